import XCTest
@testable import TBTargetfile

/// Comments, continuations, line endings and descriptions.
final class LinesTests: XCTestCase {
    private func run(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try target(try load("t:\n" + body, file: file, line: line), "t", file: file, line: line).writtenSteps
    }

    func testCommentAtLineStartIsIgnored() throws {
        let tf = try load("# a comment: not a target\n#x = 1\nv = 1\n")
        XCTAssertEqual(tf.targets.count, 0)
        XCTAssertEqual(Array(tf.variables.keys), ["v"])
    }

    func testCommentAfterABlank() throws {
        XCTAssertEqual(try run("    run echo a # the rest goes\n"), ["run echo a"])
        XCTAssertEqual(try run("    run echo a\t# after a tab\n"), ["run echo a"])
        let tf = try load("v = 1 # one\nt: a b # c d\n    run x\n")
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "1")
        XCTAssertEqual(try target(tf, "t").writtenPrerequisites, ["a", "b"])
    }

    func testHashNotAfterABlankIsKept() throws {
        XCTAssertEqual(try run("    run echo a#b\n"), ["run echo a#b"])
        XCTAssertEqual(try load("url = http://x/#frag\n").variables["url"]?.value.literalValue, "http://x/#frag")
    }

    func testHashInsideQuotesIsKept() throws {
        XCTAssertEqual(try run("    run echo 'a # b' \"c # d\" # gone\n"), ["run echo 'a # b' \"c # d\""])
    }

    func testEscapedHashIsALiteralHash() throws {
        XCTAssertEqual(try run("    run echo \\# not a comment\n"), ["run echo # not a comment"])
        XCTAssertEqual(try load("v = a \\#1\n").variables["v"]?.value.literalValue, "a #1")
    }

    func testLineContinuation() throws {
        let tf = try load("t: a \\\n   b\n    run printf x \\\n        y \\\n        z\n    run next\n")
        let t = try target(tf, "t")
        XCTAssertEqual(t.writtenPrerequisites, ["a", "b"])
        XCTAssertEqual(t.writtenSteps, ["run printf x  y  z", "run next"])
        XCTAssertEqual(t.steps.map(\.location), [loc(3, 5), loc(6, 5)])
    }

    func testContinuationJoinsWithOneSpace() throws {
        let tf = try load("v = a\\\nb\nw = c \\\n   \t d\n")
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "a b")
        XCTAssertEqual(tf.variables["w"]?.value.literalValue, "c  d")
    }

    func testContinuationAtEndOfFile() throws {
        XCTAssertEqual(try load("v = a \\").variables["v"]?.value.literalValue, "a")
        XCTAssertEqual(try load("v = a \\\n").variables["v"]?.value.literalValue, "a")
    }

    func testDoubleBackslashDoesNotContinue() throws {
        let tf = try load("v = a\\\\\nw = b\n")
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "a\\\\")
        XCTAssertEqual(tf.variables["w"]?.value.literalValue, "b")
    }

    func testLinesAfterAContinuationKeepTheirNumbers() throws {
        let error = errorOf("v = a \\\n  b \\\n  c\nt:\n    rn x\n")
        XCTAssertEqual(error, "Targetfile:5:5: unknown keyword 'rn' (expected host, out, state, always, nocache, timeout, retry, env, run, put, get, pack, unpack, exclude, use, foreach, parallel, pool, steps, wait)")
    }

    func testCRLFLines() throws {
        let tf = try load("v = 1\r\n\r\n# c\r\nt: a\r\n    run echo x\r\n    out o\r\nu: t \\\r\n   v\r\n")
        XCTAssertEqual(tf.variables["v"]?.value.literalValue, "1")
        XCTAssertEqual(tf.targets.map(\.name), ["t", "u"])
        let t = try target(tf, "t")
        XCTAssertEqual(t.writtenPrerequisites, ["a"])
        XCTAssertEqual(t.writtenSteps, ["run echo x"])
        XCTAssertEqual(t.writtenOuts, ["o"])
        XCTAssertEqual(t.comment, "c")
        XCTAssertEqual(try target(tf, "u").writtenPrerequisites, ["t", "v"])
    }

    func testCRLFErrorColumns() throws {
        XCTAssertEqual(errorOf("t:\r\n    timeout 5x\r\n"),
                       "Targetfile:2:13: invalid duration '5x': expected a number with an optional unit, as in 90s, 5m, 1h")
    }

    func testDescriptionFromCommentDirectlyAbove() throws {
        let tf = try load("""
            ## Build the dev flavour.
            dev-rpm: a
                run x

            # single hash   \t
            b:
                run y

            # separated by a blank line

            c:
                run z
            # above a variable
            v = 1
            d:
                run w
            """)
        XCTAssertEqual(try target(tf, "dev-rpm").comment, "Build the dev flavour.")
        XCTAssertEqual(try target(tf, "b").comment, "single hash")
        XCTAssertNil(try target(tf, "c").comment)
        XCTAssertNil(try target(tf, "d").comment)
    }

    func testDescriptionIsTheLastCommentLineAbove() throws {
        let tf = try load("# first\n## second\nt:\n    run x\n")
        XCTAssertEqual(try target(tf, "t").comment, "second")
    }

    func testIndentedCommentIsNotADescription() throws {
        let tf = try load("a:\n    run x\n    # inside a's body\nb:\n    run y\n")
        XCTAssertNil(try target(tf, "b").comment)
        XCTAssertEqual(try target(tf, "a").writtenSteps, ["run x"])
    }

    func testTrailingCommentIsNotADescription() throws {
        let tf = try load("t: a # trailing\n    run x\n")
        XCTAssertNil(try target(tf, "t").comment)
    }

    func testDescriptionIsKeptUnexpanded() throws {
        let tf = try load("## Uses $(version) and $$\nt:\n    run x\n")
        XCTAssertEqual(try target(tf, "t").comment, "Uses $(version) and $$")
    }

    func testDescriptionOfIncludedTargetAndRuleUsers() throws {
        let tf = try load("include r.tb\n## Described.\nt:\n    use r\n",
                          files: ["r.tb": "# rule comment\nrule r:\n    run x\n## lib\nlib:\n    run y\n"])
        XCTAssertEqual(try target(tf, "t").comment, "Described.")
        XCTAssertEqual(try target(tf, "lib").comment, "lib")
    }
}
