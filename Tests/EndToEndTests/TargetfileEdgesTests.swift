import Foundation
import XCTest

/// The Targetfile at its edges, through the real binary (issue 10, items 7, 15, 16):
/// deep chains load, run and draw without a crash; list variables and names with blanks
/// work as in make.
final class TargetfileEdgesTests: XCTestCase {
    /// 100,000 targets end to end (a million is loaded by `DeepGraphTests`, at the
    /// graph level, to keep the debug build's test time down).
    func testAHundredThousandTargetChain() throws {
        let count = 100_000
        var text = ""
        for i in 0..<(count - 1) { text += "t\(i): t\(i + 1)\n" }
        text += "t\(count - 1):\n    run touch ran-last\n"
        let project = try Project(targetfile: text)

        let dry = try project.tbmake("-n", "t0")
        XCTAssertEqual(dry.status, 0, String(dry.stderr.prefix(500)))
        // -n lists the command that would run under its target, as make does.
        XCTAssertTrue(dry.stdout.hasPrefix("run     t99999  never ran\n    $ touch ran-last\nskip    t99998  aggregate\n"),
                      String(dry.stdout.prefix(200)))
        XCTAssertEqual(dry.stdout.split(separator: "\n").count, count + 2)

        let graph = try project.tbmake("--graph", "t0")
        XCTAssertEqual(graph.status, 0)
        XCTAssertTrue(graph.stdout.contains("\n  \"t1\" -> \"t2\";\n"))
        XCTAssertEqual(graph.stdout.components(separatedBy: " -> ").count, count)

        let run = try project.tbmake("t0")
        XCTAssertEqual(run.status, 0, String(run.stderr.prefix(500)))
        XCTAssertTrue(project.exists("ran-last"))
        XCTAssertTrue(run.stdout.contains("\ntbmake: ran 1, up to date 99999 in "), String(run.stdout.suffix(200)))
    }

    func testAHundredThousandVariableChain() throws {
        let count = 100_000
        var text = ""
        for i in 0..<(count - 1) { text += "v\(i) = $(v\(i + 1))\n" }
        text += "v\(count - 1) = end\nt:\n    run echo $(v0) > ran-t\n"
        let project = try Project(targetfile: text)
        let dry = try project.tbmake("-n", "t")
        XCTAssertEqual(dry.status, 0, String(dry.stderr.prefix(500)))
        let run = try project.tbmake("t")
        XCTAssertEqual(run.status, 0, String(run.stderr.prefix(500)))
        XCTAssertEqual(try project.read("ran-t"), "end\n")
    }

    func testAListVariableAsPrerequisites() throws {
        let project = try Project(targetfile: """
            SRCS = a.c b.c
            app: $(SRCS)
                out app.txt
                run cat $(SRCS:raw) > $(out)

            """)
        try project.write("a.c", "a\n")
        try project.write("b.c", "b\n")
        let run = try project.tbmake("app")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(try project.read("app.txt"), "a\nb\n")
        try project.write("b.c", "b2\n")
        let again = try project.tbmake("app")
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(try project.read("app.txt"), "a\nb2\n")
    }

    func testPathsWithBlanks() throws {
        let project = try Project(targetfile: """
            copy: vm\\ images/disk.img
                out out\\ dir/copy\\ 1.img
                state st\\ ate
                run mkdir -p "out dir" && cp "vm images/disk.img" $(out) && echo k=v > $(state)
                put vm\\ images/disk.img -> $(DEST)/put\\ ted
            show: copy
                run echo "[$(copy.out)]" "[$(copy.state)]" $(copy.k) > shown

            """)
        try project.write("vm images/disk.img", "d\n")
        let run = try project.tbmake("show", "DEST=\(project.path)")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(try project.read("out dir/copy 1.img"), "d\n")
        XCTAssertEqual(try project.read("put ted"), "d\n")
        XCTAssertEqual(try project.read("st ate"), "k=v\n")
        XCTAssertEqual(try project.read("shown"), "[out dir/copy 1.img] [st ate] v\n")
        let again = try project.tbmake("show", "DEST=\(project.path)")
        XCTAssertEqual(again.stdout, "tbmake: nothing to do, everything is up to date\n")
    }
}
