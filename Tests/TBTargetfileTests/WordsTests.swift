import XCTest
@testable import TBTargetfile

/// Words as make reads them: blanks split, a backslash keeps one (issue 10, item 16).
final class WordsTests: XCTestCase {
    func testABackslashedBlankStaysInItsWord() throws {
        let tf = try load("""
            copy: vm\\ images/disk.img  b\\\tc d
                out out\\ dir/copy\\ 1.img x
                state st\\ ate
            """)
        let t = try target(tf, "copy")
        XCTAssertEqual(t.prerequisites.map(\.description), ["vm\\ images/disk.img", "b\\\tc", "d"])
        XCTAssertEqual(t.prerequisites.map(\.location.column), [7, 28, 33])
        XCTAssertEqual(t.outs.map(\.description), ["out\\ dir/copy\\ 1.img", "x"])
        XCTAssertEqual(t.state?.description, "st\\ ate")
    }

    func testAStateWithAnEscapedBlankIsOneArgument() {
        XCTAssertNil(errorOf("a:\n    state a\\ b\n"))
        XCTAssertEqual(errorOf("a:\n    state a b\n"), "Targetfile:2:11: 'state' takes one argument, found 2")
    }

    func testSplit() {
        XCTAssertEqual(Words.split("a.c  b.c\tc.c\nd.c"), ["a.c", "b.c", "c.c", "d.c"])
        XCTAssertEqual(Words.split("vm\\ images/disk.img other"), ["vm images/disk.img", "other"])
        XCTAssertEqual(Words.split(" a\\b \\\\c\\"), ["a\\b", "\\\\c\\"])
        XCTAssertEqual(Words.split("   "), [])
    }

    func testJoinIsSplitBack() {
        let names = ["out dir/copy 1.img", "plain", "tab\there"]
        XCTAssertEqual(Words.join(names), "out\\ dir/copy\\ 1.img plain tab\\\there")
        XCTAssertEqual(Words.split(Words.join(names)), names)
    }

    func testUnescape() {
        XCTAssertEqual(Words.unescape("vm\\ images/a\\b"), "vm images/a\\b")
        XCTAssertEqual(Words.unescape("plain"), "plain")
    }
}
