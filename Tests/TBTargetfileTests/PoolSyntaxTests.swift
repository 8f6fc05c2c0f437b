import XCTest
@testable import TBTargetfile

/// `pool NAME = N` at top level and `pool NAME` in a body, as ninja's pools.
final class PoolSyntaxTests: XCTestCase {
    func testPoolsAreDeclaredAndNamed() throws {
        let tf = try Targetfile.parse("""
            pool tftp = 8
            load:
                pool tftp
                run x
            confirm:
                pool console
                run read -p ok answer
            """, path: "Targetfile", files: [:])
        XCTAssertEqual(tf.pools, ["tftp": PoolDeclaration(name: "tftp", depth: 8, location: SourceLocation(file: "Targetfile", line: 1, column: 6))])
        XCTAssertEqual(try target(tf, "load").pool, "tftp")
        XCTAssertEqual(try target(tf, "confirm").pool, "console")
    }

    func testBadPoolsAreErrorsWithTheirPlace() {
        XCTAssertEqual(errorOf("pool tftp = 0\n"), "Targetfile:1:13: invalid pool depth '0': expected a whole number from 1")
        XCTAssertEqual(errorOf("pool tftp = many\n"), "Targetfile:1:13: invalid pool depth 'many': expected a whole number from 1")
        XCTAssertEqual(errorOf("pool tftp 8\n"), "Targetfile:1:6: expected 'pool NAME = DEPTH'")
        XCTAssertEqual(errorOf("pool console = 2\n"),
                       "Targetfile:1:6: the console pool is predefined (depth 1): declare no pool named console")
        XCTAssertEqual(errorOf("pool a = 1\npool a = 2\n"), "Targetfile:2:6: pool 'a' already declared at Targetfile:1:6")
        XCTAssertEqual(errorOf("t:\n    pool tftp\n    run x\n"),
                       "Targetfile:2:5: no pool named 'tftp' (declare it with 'pool tftp = DEPTH')")
        XCTAssertEqual(errorOf("t:\n    pool\n    run x\n"), "Targetfile:2:5: 'pool' needs an argument")
        XCTAssertEqual(errorOf("t:\n    pool a b\n    run x\n"), "Targetfile:2:10: invalid pool name 'a b'")
    }

    /// `pool = 3` is a variable named pool, as for every keyword.
    func testAPoolKeywordFollowedByEqualsIsAVariable() throws {
        let tf = try Targetfile.parse("pool = 3\n", path: "Targetfile", files: [:])
        XCTAssertEqual(tf.pools, [:])
        XCTAssertNotNil(tf.variables["pool"])
    }
}
