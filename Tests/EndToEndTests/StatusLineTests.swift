import XCTest

/// Progress as people see it: on a terminal, one status line rewritten in place
/// (`\r`, erase to end of line, `[finished/total, N running, elapsed] target`) at each
/// start and end, as ninja does; plain lines otherwise, and with `TERM=dumb`.
final class StatusLineTests: XCTestCase {
    private let targetfile = """
        a:
            out a.txt
            run echo a > $(out)
        b: a
            out b.txt
            run cat a.txt > $(out)
        """

    func testOnATerminalTheStatusLineIsRewrittenInPlace() throws {
        let project = try Project(targetfile: targetfile)
        let binary = try TBMakeBinary.path()
        // script(1) gives tbmake a pseudo-terminal as its standard output.
        let result = try project.shell("script -qec '\(binary) -j1 b' /dev/null")
        XCTAssertEqual(result.status, 0, "\(result)")
        let erase = "\r\u{1b}[K"
        XCTAssertTrue(FanOutTests.timeless(result.stdout[...]).hasPrefix(
            erase + "[0/2, 1 running, Ns] a" + erase + "[1/2, 0 running, Ns] a"
                + erase + "[1/2, 1 running, Ns] b" + erase + "[2/2, 0 running, Ns] b" + erase + "tbmake: ran 2, up to date 0 in "),
                      result.stdout.debugDescription)
    }

    func testWithoutATerminalEachStartIsALine() throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.tbmake("-j1", "b")
        XCTAssertEqual(result.status, 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(Array(lines.prefix(2)).map(FanOutTests.timeless), ["[0/2, 1 running, Ns] a", "[1/2, 1 running, Ns] b"])
        XCTAssertFalse(result.stdout.contains("\u{1b}"), "no escape sequences when stdout is not a terminal")
    }

    func testTermDumbGetsPlainLinesEvenOnATerminal() throws {
        let project = try Project(targetfile: targetfile + "\nbad:\n    run exit 3\n")
        let binary = try TBMakeBinary.path()
        let result = try project.shell("TERM=dumb script -qec '\(binary) -k -j1 b bad' /dev/null")
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertFalse(result.stdout.contains("\u{1b}"), result.stdout.debugDescription)
        XCTAssertTrue(result.stdout.contains("tbmake: bad failed: command exited with status 3: exit 3"), result.stdout)
    }

    func testFailedIsRedOnATerminalOnlyWithoutNoColor() throws {
        let project = try Project(targetfile: "bad:\n    run exit 3\n")
        let binary = try TBMakeBinary.path()
        let red = "\u{1b}[31mfailed\u{1b}[0m"
        let coloured = try project.shell("env -u NO_COLOR TERM=xterm script -qec '\(binary) bad' /dev/null")
        XCTAssertTrue(coloured.stdout.contains("tbmake: bad \(red): command exited with status 3"), coloured.stdout.debugDescription)
        XCTAssertTrue(coloured.stdout.contains("\u{1b}[31mfailed 1\u{1b}[0m in "), coloured.stdout.debugDescription)
        let plain = try project.shell("TERM=xterm NO_COLOR=1 script -qec '\(binary) bad' /dev/null")
        XCTAssertTrue(plain.stdout.contains("tbmake: bad failed: command exited with status 3"), plain.stdout.debugDescription)
        XCTAssertFalse(plain.stdout.contains("\u{1b}[31m"), plain.stdout.debugDescription)
        let piped = try project.tbmake("bad")
        XCTAssertEqual(piped.stderr, "tbmake: bad failed: command exited with status 3: exit 3\n  | $ exit 3\n"
                       + "  | tbmake: command exited with status 3: exit 3\n  log: .tbmake/logs/bad.log\n")
    }

    func testVerboseStreamsEveryLinePrefixedByItsTarget() throws {
        let project = try Project(targetfile: """
            host fit* = local
            load:
                foreach node in fit01 fit02
                host $(node)
                parallel 1
                run echo 10%; printf '100%% on $(node)\\n'
                run [ $(node) != fit02 ] || exit 4

            """)
        let result = try project.tbmake("-v", "load")
        XCTAssertEqual(result.status, 1, "\(result)")
        let streamed = result.stdout.split(separator: "\n").filter { $0.contains(" | ") }
        // parallel 1: the two instances' lines come one after the other, in either order.
        XCTAssertEqual(streamed.filter { $0.hasPrefix("load@fit01 | ") }, [
            "load@fit01 | $ echo 10%; printf '100%% on fit01\\n'", "load@fit01 | 10%", "load@fit01 | 100% on fit01",
            "load@fit01 | $ [ fit01 != fit02 ] || exit 4",
        ])
        XCTAssertEqual(streamed.filter { $0.hasPrefix("load@fit02 | ") }, [
            "load@fit02 | $ echo 10%; printf '100%% on fit02\\n'", "load@fit02 | 10%", "load@fit02 | 100% on fit02",
            "load@fit02 | $ [ fit02 != fit02 ] || exit 4",
            "load@fit02 | tbmake: command exited with status 4: [ fit02 != fit02 ] || exit 4",
        ])
        XCTAssertEqual(streamed.count, 9)
        // Shown as it came: the failure does not repeat it.
        XCTAssertEqual(result.stderr, "tbmake: load@fit02 failed: command exited with status 4: [ fit02 != fit02 ] || exit 4\n"
                       + "  log: .tbmake/logs/load@fit02.log\n")
    }

    func testDryRunPrintsTheCommandsThatWouldRun() throws {
        let project = try Project(targetfile: targetfile)
        let dry = try project.tbmake("-n", "b")
        XCTAssertEqual(dry.stdout, """
            run     a  never ran
                $ echo a > a.txt
            run     b  never ran
            tbmake: 2 would run, 0 up to date (dry run: nothing was changed)

            """)
        XCTAssertEqual(try project.tbmake("a").status, 0)
        XCTAssertEqual(try project.tbmake("-n", "b").stdout, """
            skip    a  up to date
            run     b  never ran
                $ cat a.txt > b.txt
            tbmake: 1 would run, 1 up to date (dry run: nothing was changed)

            """)
    }
}
