import XCTest
@testable import TBTargetfile

/// `$(NAME)`, `$(dep.key)`, `$$`, and dollars left alone.
final class TemplateTests: XCTestCase {
    private let at = SourceLocation(file: "F", line: 3, column: 10)

    private func parse(_ text: String) throws -> Template {
        try Template.parse(Substring(text), at: at)
    }

    func testPlainText() throws {
        let t = try parse("just text")
        XCTAssertEqual(t.parts, [.literal("just text")])
        XCTAssertEqual(t.literalValue, "just text")
        XCTAssertEqual(t.location, at)
        XCTAssertEqual(t.references.count, 0)
    }

    func testVariableReference() throws {
        let t = try parse("a$(version)b")
        XCTAssertEqual(t.parts, [.literal("a"), .reference("version", column: 11), .literal("b")])
        XCTAssertNil(t.literalValue)
        XCTAssertEqual(t.description, "a$(version)b")
        XCTAssertEqual(expand(t, ["version": "1.0"]), "a1.0b")
        XCTAssertEqual(t.references.map(\.name), ["version"])
        XCTAssertEqual(t.references.map(\.location), [SourceLocation(file: "F", line: 3, column: 11)])
    }

    func testDependencyKeyReference() throws {
        let t = try parse("$(bonding-node.hostname) $(dev-rpm.out)")
        XCTAssertEqual(t.parts, [.reference("bonding-node.hostname", column: 10), .literal(" "),
                                 .reference("dev-rpm.out", column: 35)])
        XCTAssertEqual(expand(t, ["bonding-node.hostname": "n1", "dev-rpm.out": "x.rpm"]), "n1 x.rpm")
    }

    func testAdjacentReferences() throws {
        let t = try parse("$(a)$(b)")
        XCTAssertEqual(t.parts, [.reference("a", column: 10), .reference("b", column: 14)])
        XCTAssertEqual(expand(t, ["a": "1", "b": "2"]), "12")
    }

    func testDoubleDollarIsALiteralDollar() throws {
        let t = try parse("echo $$(cat f) $$HOME $$$(v)")
        XCTAssertEqual(t.parts, [.literal("echo $(cat f) $HOME $"), .reference("v", column: 34)])
        XCTAssertEqual(expand(t, ["v": "x"]), "echo $(cat f) $HOME $x")
        XCTAssertEqual(t.references.map(\.name), ["v"])
    }

    func testOnlyDoubleDollarIsLiteral() throws {
        let t = try parse("cost $$5")
        XCTAssertEqual(t.literalValue, "cost $5")
    }

    func testShellVariablesAreLeftAlone() throws {
        let t = try parse("echo $HOME ${x} $1 $ end$")
        XCTAssertEqual(t.parts, [.literal("echo $HOME ${x} $1 $ end$")])
        XCTAssertEqual(t.literalValue, "echo $HOME ${x} $1 $ end$")
    }

    func testReferencesInATargetBody() throws {
        let tf = try load("""
            root_dir = /srv
            t: dep
                run echo $HOME $(root_dir) $(dep.key) $$(date) $$x
            """)
        let steps = try target(tf, "t").steps
        guard case .run(let command) = steps[0].action else { return XCTFail() }
        XCTAssertEqual(command.parts, [.literal("echo $HOME "), .reference("root_dir", column: 20), .literal(" "),
                                       .reference("dep.key", column: 32), .literal(" $(date) $x")])
        XCTAssertEqual(command.references.map(\.location), [loc(3, 20), loc(3, 32)])
    }

    func testMalformedReferences() {
        for bad in ["$(a b)", "$()", "$(.a)", "$(a.)", "$(a:b)", "$(a$b)"] {
            XCTAssertThrowsError(try Template.parse(Substring(bad), at: at), bad) { error in
                XCTAssertEqual((error as? TargetfileError)?.location, at, bad)
            }
        }
    }

    func testUnterminatedReference() {
        XCTAssertThrowsError(try Template.parse("ab $(x", at: at)) { error in
            XCTAssertEqual((error as? TargetfileError)?.description, "F:3:13: unterminated '$(' (missing ')')")
        }
    }

    func testReferenceNameCharacters() {
        XCTAssertTrue(Template.isReference("a"))
        XCTAssertTrue(Template.isReference("out/lib.a.key"))
        XCTAssertTrue(Template.isReference("user@host.ip"))
        XCTAssertTrue(Template.isReference("x_y-z.k"))
        XCTAssertFalse(Template.isReference(""))
        XCTAssertFalse(Template.isReference("a b"))
        XCTAssertFalse(Template.isReference(".a"))
        XCTAssertFalse(Template.isReference("a."))
        XCTAssertFalse(Template.isReference("a,b"))
    }

    func testExpandPassesReferenceLocations() throws {
        let t = try parse("x $(y)")
        var seen: [SourceLocation] = []
        _ = t.expand { _, location in seen.append(location); return "" }
        XCTAssertEqual(seen, [SourceLocation(file: "F", line: 3, column: 12)])
    }

    func testExpandPropagatesResolverErrors() throws {
        struct Undefined: Error {}
        let t = try parse("$(nope)")
        XCTAssertThrowsError(try t.expand { _, _ in throw Undefined() })
    }
}
