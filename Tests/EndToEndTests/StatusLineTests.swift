import XCTest

/// Progress as people see it: on a terminal, one status line rewritten in place
/// (`\r`, erase to end of line, `[n/total] target`), as ninja does; plain lines otherwise.
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
        XCTAssertTrue(result.stdout.hasPrefix(erase + "[1/2] a" + erase + "[2/2] b" + erase + "tbmake: ran 2, up to date 0 in "),
                      result.stdout.debugDescription)
    }

    func testWithoutATerminalEachStartIsALine() throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.tbmake("-j1", "b")
        XCTAssertEqual(result.status, 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(2)), ["[1/2] a", "[2/2] b"])
        XCTAssertFalse(result.stdout.contains("\u{1b}"), "no escape sequences when stdout is not a terminal")
    }
}
