import Foundation
import XCTest

/// Errors in the Targetfile and on the command line: one line on stderr, exit 2,
/// nothing run.
final class TargetfileErrorTests: XCTestCase {
    /// Runs tbmake on `targetfile`; every recipe there touches `ran-NAME`, none may run.
    private func expectError(_ targetfile: String, arguments: [String] = [], message: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.start(arguments).wait()
        XCTAssertEqual(result.status, 2, "\(result)", file: file, line: line)
        XCTAssertEqual(result.stderr, "tbmake: \(message)\n", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        let ran = try FileManager.default.contentsOfDirectory(atPath: project.path).filter { $0.hasPrefix("ran-") }
        XCTAssertEqual(ran, [], "nothing may run", file: file, line: line)
        XCTAssertFalse(project.exists(".tbmake/logs"), "nothing may run", file: file, line: line)
    }

    func testUnknownKeyword() throws {
        try expectError("""
            a:
                run touch ran-a
                rn  echo typo

            """, arguments: ["a"],
            message: "Targetfile:3:5: unknown keyword 'rn' (expected host, out, state, always, nocache, timeout, retry, env, run, put, get, pack, unpack, exclude, use, foreach, parallel, steps, wait)")
    }

    func testUndefinedVariableInRunLine() throws {
        try expectError("""
            a: b
                run echo $(flavor)
            b:
                run touch ran-b

            """, arguments: ["a"], message: "Targetfile:2:14: undefined variable 'flavor'")
    }

    func testDependencyCycle() throws {
        try expectError("""
            a: b
                run touch ran-a
            b: a
                run touch ran-b

            """, arguments: ["a"], message: "Targetfile:1:1: dependency cycle: a -> b -> a")
    }

    func testMissingInclude() throws {
        try expectError("""
            include rules/missing.tb
            a:
                run touch ran-a

            """, arguments: ["a"], message: "Targetfile:1:9: cannot include 'rules/missing.tb': no such file")
    }

    func testGlobMatchingNothing() throws {
        try expectError("""
            a: src/*.c
                run touch ran-a

            """, arguments: ["a"], message: "Targetfile:1:4: 'src/*.c' matches no file")
    }

    func testUnknownTargetOnTheCommandLine() throws {
        try expectError("""
            a:
                run touch ran-a

            """, arguments: ["nosuch"], message: "no target named 'nosuch' in Targetfile (see tbmake --list)")
    }

    func testBadOptionExits2WithOneLine() throws {
        let project = try Project(targetfile: "a:\n    run touch ran-a\n")
        let cases: [(arguments: [String], mentions: [String])] = [
            (["--no-such-option", "a"], ["--no-such-option"]),
            (["-j", "0", "a"], ["-j", "0"]),
            (["-n", "-q", "a"], ["-n", "-q"]),
        ]
        for (arguments, mentions) in cases {
            let result = try project.start(arguments).wait()
            XCTAssertEqual(result.status, 2, "\(arguments): \(result)")
            XCTAssertTrue(result.stderr.hasPrefix("tbmake: "), "\(arguments): \(result)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(arguments): \(result)")
            for text in mentions {
                XCTAssertTrue(result.stderr.contains(text), "\(arguments): \(result)")
            }
            XCTAssertEqual(result.stdout, "", "\(arguments): \(result)")
            XCTAssertFalse(project.exists("ran-a"))
            XCTAssertFalse(project.exists(".tbmake"))
        }
    }
}
