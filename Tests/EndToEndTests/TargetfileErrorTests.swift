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
            message: "Targetfile:3:5: unknown keyword 'rn' (expected host, out, state, always, nocache, timeout, retry, env, run, put, get, pack, unpack, exclude, use, foreach, parallel, pool, steps, wait)")
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

    // MARK: - Found at load, before anything runs (issue 10, item 4)

    private let selfReference = """
        v = $(v)-1
        first:
            run touch ran-first
        all: first
            run touch ran-all $(v)

        """

    func testVariableThatRefersToItself() throws {
        try expectError(selfReference, arguments: ["all"], message: "Targetfile:1:5: variable 'v' refers to itself: v -> v")
    }

    func testVariableThatRefersToItselfUnderDryRunAndValidate() throws {
        try expectError(selfReference, arguments: ["-n", "all"], message: "Targetfile:1:5: variable 'v' refers to itself: v -> v")
        try expectError(selfReference, arguments: ["--validate"], message: "Targetfile:1:5: variable 'v' refers to itself: v -> v")
    }

    func testVariablesThatReferToEachOther() throws {
        try expectError("""
            x = $(y)
            y = $(x)
            first:
                run touch ran-first
            all: first
                run touch ran-all $(x)

            """, arguments: ["-n", "all"], message: "Targetfile:2:5: variable 'x' refers to itself: x -> y -> x")
    }

    /// As make: the command line's value replaces the definition, which is never read.
    func testSelfReferenceOverriddenOnTheCommandLineRuns() throws {
        let project = try Project(targetfile: selfReference)
        let run = try project.tbmake("all", "v=2")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(project.exists("ran-all"))
        XCTAssertTrue(project.exists("2"))
    }

    func testOutOfADependencyWithoutOut() throws {
        let targetfile = """
            dep:
                run touch ran-dep
            all: dep
                run touch ran-all $(dep.out)

            """
        for arguments in [["all"], ["-n", "all"], ["--validate"]] {
            try expectError(targetfile, arguments: arguments, message: "Targetfile:4:23: '$(dep.out)' used but 'dep' declares no out")
        }
    }

    func testStateOfADependencyWithoutState() throws {
        try expectError("""
            dep:
                run touch ran-dep
            all: dep
                run touch ran-all $(dep.state)

            """, arguments: ["-n", "all"], message: "Targetfile:4:23: '$(dep.state)' used but 'dep' declares no state")
    }

    func testUnknownTargetWithANewlineIsOneLine() throws {
        try expectError("""
            a:
                run touch ran-a

            """, arguments: ["no\nsuch\u{1b}[2J"], message: "no target named 'no\\nsuch\\e[2J' in Targetfile (see tbmake --list)")
    }

    func testMissingInventory() throws {
        try expectError("""
            inventory  nothere.json
            a:
                run touch ran-a

            """, arguments: ["a"], message: "Targetfile:1:12: cannot read inventory nothere.json: No such file or directory")
        try expectError("""
            a:
                run touch ran-a

            """, arguments: ["--inventory", "nothere.json", "a"], message: "cannot read inventory nothere.json: No such file or directory")
    }
}
