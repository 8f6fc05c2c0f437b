import Foundation
import XCTest

/// -q, -B, --list, --graph, --validate, --version, --help.
final class CommandLineTests: XCTestCase {
    /// Each recipe appends its name to `runs`, so the test sees exactly what ran.
    private let counting = """
        ## Build a.
        a: input.txt
            out a.out
            run cat input.txt > a.out
            run echo a >> runs
        # Then b.
        b: a
            out b.out
            run cp a.out b.out
            run echo b >> runs
        c:
            run echo c >> runs

        """

    private func runs(_ project: Project) throws -> [String] {
        guard project.exists("runs") else { return [] }
        return try project.read("runs").split(separator: "\n").map(String.init)
    }

    func testQuestionAnswersByExitStatusAndRunsNothing() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        let fresh = try project.snapshot()
        let outOfDate = try project.tbmake("-q", "b")
        XCTAssertEqual(outOfDate.status, 1, "\(outOfDate)")
        XCTAssertEqual(outOfDate.stdout, "")
        XCTAssertEqual(try project.snapshot(), fresh, "-q writes nothing")

        XCTAssertEqual(try project.tbmake("b").status, 0)
        XCTAssertEqual(try runs(project), ["a", "b"])
        let upToDate = try project.tbmake("-q", "b")
        XCTAssertEqual(upToDate.status, 0, "\(upToDate)")
        XCTAssertEqual(upToDate.stdout, "")

        try project.write("input.txt", "two\n")
        let built = try project.snapshot()
        let changed = try project.tbmake("-q", "b")
        XCTAssertEqual(changed.status, 1, "\(changed)")
        XCTAssertEqual(try project.snapshot(), built, "-q runs nothing")
        XCTAssertEqual(try runs(project), ["a", "b"])
    }

    func testAlwaysMakeRerunsEverything() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        XCTAssertEqual(try project.tbmake("-j", "1", "b").status, 0)
        let forced = try project.tbmake("--json", "-B", "-j", "1", "b")
        XCTAssertEqual(forced.status, 0, "\(forced)")
        XCTAssertEqual(forced.decisions(), ["a": "run: forced (-B)", "b": "run: forced (-B)"])
        XCTAssertEqual(forced.started(), ["a", "b"])
        XCTAssertEqual(try runs(project), ["a", "b", "a", "b"])
    }

    func testListShowsNamesAndDescriptions() throws {
        let project = try Project(targetfile: counting)
        let list = try project.tbmake("--list")
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdout, "a  Build a.\nb  Then b.\nc\n")

        let demo = try Project.demo()
        let demoList = try demo.tbmake("--list")
        XCTAssertEqual(demoList.status, 0, "\(demoList)")
        let lines = demoList.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("prod-install ") && $0.hasSuffix("Copy the prod rpm to prod and install it there.") },
                      demoList.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("bonding-node ") }, demoList.stdout)
        XCTAssertFalse(demo.exists(".tbmake"))
    }

    func testGraphIsGraphvizDot() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        let graph = try project.tbmake("--graph", "b")
        XCTAssertEqual(graph.status, 0, "\(graph)")
        XCTAssertTrue(graph.stdout.hasPrefix("digraph"), graph.stdout)
        XCTAssertTrue(graph.stdout.contains("\"b\" -> \"a\""), graph.stdout)
        XCTAssertTrue(graph.stdout.hasSuffix("}\n"), graph.stdout)
        XCTAssertEqual(try runs(project), [])
    }

    func testValidateAcceptsTheDemo() throws {
        let demo = try Project.demo()
        let before = try demo.snapshot()
        let result = try demo.tbmake("--validate")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdout.hasPrefix("Targetfile: OK, "), result.stdout)
        XCTAssertEqual(try demo.snapshot(), before)
    }

    func testVersion() throws {
        let project = try Project(targetfile: counting)
        let result = try project.tbmake("--version")
        XCTAssertEqual(result.status, 0, "\(result)")
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(version.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+"#, options: .regularExpression), "\(result)")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "\(result)")
    }

    func testHelpMentionsTheMakeFlags() throws {
        let project = try Project(targetfile: counting)
        let result = try project.tbmake("--help")
        XCTAssertEqual(result.status, 0, "\(result)")
        for flag in ["-j", "-k", "-n", "-B", "-q"] {
            XCTAssertTrue(result.stdout.contains(flag), "--help does not mention \(flag): \(result)")
        }
        XCTAssertEqual(try runs(project), [])
    }
}
