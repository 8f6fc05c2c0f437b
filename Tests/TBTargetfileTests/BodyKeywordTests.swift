import XCTest
@testable import TBTargetfile

/// Each body keyword, as the parser and the loader see it.
final class BodyKeywordTests: XCTestCase {
    private func spec(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> TargetSpec {
        let tf = try load("t: p\n" + body, file: file, line: line)
        return try target(tf, "t", file: file, line: line)
    }

    private func statements(_ body: String) throws -> [BodyStatement] {
        try Parser.parse("t:\n" + body, file: "Targetfile").flatMap { item -> [BodyStatement] in
            guard case .target(let t) = item else { return [] }
            return t.body.map(\.statement)
        }
    }

    func testHost() throws {
        let t = try spec("    host dev2\n")
        XCTAssertEqual(t.host?.literalValue, "dev2")
        XCTAssertEqual(t.host?.location, loc(2, 10))
    }

    func testHostIsATemplateAndLaterHostWins() throws {
        let t = try spec("    host first\n    host $(on)\n")
        XCTAssertEqual(t.host?.parts, [.reference("on", column: 10)])
        XCTAssertEqual(t.host?.location, loc(3, 10))
    }

    func testOutWithSeveralPathsAndRepeated() throws {
        let t = try spec("    out  a.rpm   b/c.txt\n    out $(target).log\n")
        XCTAssertEqual(t.writtenOuts, ["a.rpm", "b/c.txt", "$(target).log"])
        XCTAssertEqual(t.outs.map(\.location), [loc(2, 10), loc(2, 18), loc(3, 9)])
        XCTAssertEqual(try statements("    out a b\n"),
                       [.out([Template(literal: "a", location: loc(2, 9)), Template(literal: "b", location: loc(2, 11))])])
    }

    func testState() throws {
        let t = try spec("    state arg-flavour-$(bonding)\n")
        XCTAssertEqual(t.state?.parts, [.literal("arg-flavour-"), .reference("bonding", column: 23)])
        XCTAssertEqual(t.state?.location, loc(2, 11))
    }

    func testAlways() throws {
        XCTAssertTrue(try spec("    always\n").always)
        XCTAssertFalse(try spec("    run x\n").always)
        XCTAssertEqual(try statements("    always\n"), [.always])
    }

    func testTimeoutForms() throws {
        let cases: [(String, Double)] = [
            ("90s", 90), ("5m", 300), ("1h", 3600), ("250ms", 0.25), ("300", 300), ("1.5s", 1.5), ("2.5", 2.5),
        ]
        for (text, seconds) in cases {
            XCTAssertEqual(try spec("    timeout \(text)\n").timeout, seconds, text)
        }
        XCTAssertEqual(try spec("    timeout 1h\n    timeout 90s\n").timeout, 90, "the later timeout wins")
    }

    func testRetry() throws {
        XCTAssertEqual(try spec("    retry 3\n").retry, 3)
        XCTAssertEqual(try spec("    retry 0\n").retry, 0)
        XCTAssertEqual(try statements("    retry 12\n"), [.retry(12)])
    }

    func testEnv() throws {
        let t = try spec("    env  SOURCE_DATE_EPOCH=1700000000\n    env PATH=$(root)/bin:$PATH\n    env EMPTY=\n")
        XCTAssertEqual(t.writtenEnvironment, ["SOURCE_DATE_EPOCH=1700000000", "PATH=$(root)/bin:$PATH", "EMPTY="])
        XCTAssertEqual(t.environment[1].value.parts, [.reference("root", column: 14), .literal("/bin:$PATH")])
        XCTAssertEqual(t.environment[1].value.location, loc(3, 14))
        XCTAssertEqual(t.environment[0].value.location, loc(2, 28))
    }

    func testEnvValueMayContainEqualsAndBlanks() throws {
        let t = try spec("    env OPTS=a=b c\n")
        XCTAssertEqual(t.environment.map(\.name), ["OPTS"])
        XCTAssertEqual(t.environment[0].value.literalValue, "a=b c")
    }

    func testRunKeepsTheWholeCommand() throws {
        let t = try spec("    run  printf '%s\\n' \"a  b\" | tee $(out)\n")
        XCTAssertEqual(t.writtenSteps, ["run printf '%s\\n' \"a  b\" | tee $(out)"])
        guard case .run(let command) = t.steps[0].action else { return XCTFail() }
        XCTAssertEqual(command.location, loc(2, 10))
        XCTAssertEqual(command.parts, [.literal("printf '%s\\n' \"a  b\" | tee "), .reference("out", column: 37)])
    }

    func testPutAndGet() throws {
        let t = try spec("    put  demo/kata -> $(root)/build/src\n    get $(root)/x.rpm   ->   dist/x.rpm\n")
        XCTAssertEqual(t.writtenSteps, ["put demo/kata -> $(root)/build/src", "get $(root)/x.rpm -> dist/x.rpm"])
        guard case .put(let from, let to) = t.steps[0].action else { return XCTFail() }
        XCTAssertEqual(from.location, loc(2, 10))
        XCTAssertEqual(to.location, loc(2, 23))
        XCTAssertEqual(to.parts, [.reference("root", column: 23), .literal("/build/src")])
        guard case .get(let gfrom, let gto) = t.steps[1].action else { return XCTFail() }
        XCTAssertEqual(gfrom.parts, [.reference("root", column: 9), .literal("/x.rpm")])
        XCTAssertEqual(gto.literalValue, "dist/x.rpm")
        XCTAssertEqual(gfrom.location, loc(3, 9))
        XCTAssertEqual(gto.location, loc(3, 30), "the destination starts after the blanks that follow '->'")
    }

    func testPutDestinationReferenceColumnsAfterExtraBlanks() throws {
        let t = try spec("    put a ->   $(x)/y\n")
        guard case .put(_, let to) = t.steps[0].action else { return XCTFail() }
        XCTAssertEqual(to.parts, [.reference("x", column: 16), .literal("/y")])
        XCTAssertEqual(to.references.map(\.location), [loc(2, 16)])
    }

    func testPutSourceMayContainBlanksAndArrowInsideAWord() throws {
        let t = try spec("    put a->b c -> d\n")
        XCTAssertEqual(t.writtenSteps, ["put a->b c -> d"])
        guard case .put(let from, let to) = t.steps[0].action else { return XCTFail() }
        XCTAssertEqual(from.literalValue, "a->b c")
        XCTAssertEqual(to.literalValue, "d")
    }

    func testStepsKeepTheirOrder() throws {
        let t = try spec("""
                run  one
                put  a -> b
                host h
                run  two
                get  c -> d
                out  o
            """ + "\n")
        XCTAssertEqual(t.writtenSteps, ["run one", "put a -> b", "run two", "get c -> d"])
        XCTAssertEqual(t.steps.map(\.location.line), [2, 3, 5, 6])
        XCTAssertEqual(t.host?.literalValue, "h")
        XCTAssertEqual(t.writtenOuts, ["o"])
    }

    func testUseWithBindings() throws {
        XCTAssertEqual(try statements("    use rpm flavour=dev on=$(h)x\n").count, 1)
        guard case .use(let rule, let bindings) = try statements("    use rpm flavour=dev on=$(h)x empty=\n")[0] else {
            return XCTFail("not a use")
        }
        XCTAssertEqual(rule, "rpm")
        XCTAssertEqual(bindings.map(\.name), ["flavour", "on", "empty"])
        XCTAssertEqual(bindings.map(\.value.description), ["dev", "$(h)x", ""])
        XCTAssertEqual(bindings[0].value.location, loc(2, 21))
        XCTAssertEqual(bindings[1].value.parts, [.reference("h", column: 28), .literal("x")])
        XCTAssertEqual(bindings[2].value.parts, [])
    }

    func testUseWithoutBindings() throws {
        XCTAssertEqual(try statements("    use plain\n"), [.use(rule: "plain", bindings: [])])
    }

    func testStatementLocationsAreTheKeyword() throws {
        let items = try Parser.parse("t:\n  always\n\tretry 1\n", file: "F")
        guard case .target(let t) = items[0] else { return XCTFail() }
        XCTAssertEqual(t.body.map(\.location), [loc(2, 3, "F"), loc(3, 2, "F")])
    }
}
