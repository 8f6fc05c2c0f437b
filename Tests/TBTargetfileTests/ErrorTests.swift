import XCTest
@testable import TBTargetfile

/// Every error is one line, `file:line:col: message`, pointing at the offending token.
final class ErrorTests: XCTestCase {
    private let keywords = "(expected host, out, state, always, nocache, timeout, retry, env, run, put, get, pack, unpack, exclude, use, foreach, parallel, pool, steps, wait)"

    private func check(_ source: String, _ expected: String, path: String = "Targetfile",
                       files: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) {
        let error = errorOf(source, path: path, files: files)
        XCTAssertEqual(error, expected, file: file, line: line)
        XCTAssertEqual(error?.contains("\n"), false, "one line", file: file, line: line)
    }

    func testErrorValue() {
        let e = TargetfileError(loc(3, 7, "dir/F"), "boom")
        XCTAssertEqual(e.description, "dir/F:3:7: boom")
        XCTAssertEqual(e, TargetfileError(loc(3, 7, "dir/F"), "boom"))
        XCTAssertNotEqual(e, TargetfileError(loc(3, 8, "dir/F"), "boom"))
    }

    func testUnknownKeyword() {
        check("t:\n    rn echo hi\n", "Targetfile:2:5: unknown keyword 'rn' \(keywords)")
        check("t:\n\trn\n", "Targetfile:2:2: unknown keyword 'rn' \(keywords)")
        check("t:\n    RUN x\n", "Targetfile:2:5: unknown keyword 'RUN' \(keywords)")
        check("rule r:\n    outs a\n", "Targetfile:2:5: unknown keyword 'outs' \(keywords)")
    }

    func testUnknownKeywordAsInTheDocs() {
        // docs/targetfile.md, "Errors": Targetfile:12:5: unknown keyword 'rn' (...)
        let source = String(repeating: "\n", count: 10) + "t:\n    rn make\n"
        check(source, "Targetfile:12:5: unknown keyword 'rn' \(keywords)")
    }

    func testMissingIncludeAsInTheDocs() {
        check("include rules/missing.tb\n", "Targetfile:1:9: cannot include 'rules/missing.tb': no such file")
    }

    func testIndentedLineOutsideABody() {
        check("v = 1\n    run x\n", "Targetfile:2:5: indented line outside a target or rule body")
        check("  run x\n", "Targetfile:1:3: indented line outside a target or rule body")
        check("host h = local\n\trun x\n", "Targetfile:2:2: indented line outside a target or rule body")
        check("include a.tb\n    run x\n", "Targetfile:2:5: indented line outside a target or rule body",
              files: ["a.tb": ""])
    }

    func testMissingColonOrEquals() {
        check("foo bar\n", "Targetfile:1:5: expected ':' after a target name or '=' after a variable name")
        check("t:\n    run x\nfoo  bar baz\n", "Targetfile:3:6: expected ':' after a target name or '=' after a variable name")
        check("a ! b\n", "Targetfile:1:3: expected ':' after a target name or '=' after a variable name")
        check("foo\n", "Targetfile:1:4: expected a target ('NAME:'), a variable ('NAME = VALUE'), include, host or rule")
        check("!x: y\n", "Targetfile:1:1: expected a target ('NAME:'), a variable ('NAME = VALUE'), include, host or rule")
        check("= 1\n", "Targetfile:1:1: expected a target ('NAME:'), a variable ('NAME = VALUE'), include, host or rule")
    }

    func testUnterminatedReference() {
        check("t:\n    run echo $(foo\n", "Targetfile:2:14: unterminated '$(' (missing ')')")
        check("t: a $(b\n", "Targetfile:1:6: unterminated '$(' (missing ')')")
        check("v = x$(y\n", "Targetfile:1:6: unterminated '$(' (missing ')')")
        check("t:\n    put $(a -> b\n", "Targetfile:2:9: unterminated '$(' (missing ')')")
    }

    func testMalformedReference() {
        check("t:\n    run echo $(a b)\n", "Targetfile:2:14: malformed reference '$(a b)': expected $(NAME) or $(TARGET.KEY)")
        check("v = $(a b)\n", "Targetfile:1:5: malformed reference '$(a b)': expected $(NAME) or $(TARGET.KEY)")
        check("t:\n    run $()\n", "Targetfile:2:9: malformed reference '$()': expected $(NAME) or $(TARGET.KEY)")
        check("t:\n    env X=a$(.b)\n", "Targetfile:2:12: malformed reference '$(.b)': expected $(NAME) or $(TARGET.KEY)")
        check("t:\n    put a -> b$(c d)\n", "Targetfile:2:15: malformed reference '$(c d)': expected $(NAME) or $(TARGET.KEY)")
    }

    func testInvalidDuration() {
        let message = "expected a number with an optional unit, as in 90s, 5m, 1h"
        check("t:\n    timeout 5x\n", "Targetfile:2:13: invalid duration '5x': \(message)")
        for bad in ["0", "0s", "-5s", "5 m", "m", "ms", "soon", "inf", "nan", "infs"] {
            check("t:\n  timeout \(bad)\n", "Targetfile:2:11: invalid duration '\(bad)': \(message)")
        }
        check("t:\n    timeout\n", "Targetfile:2:5: 'timeout' needs an argument")
    }

    func testInvalidRetry() {
        check("t:\n    retry many\n", "Targetfile:2:11: invalid retry count 'many': expected a whole number up to 1000")
        check("t:\n    retry -1\n", "Targetfile:2:11: invalid retry count '-1': expected a whole number up to 1000")
        check("t:\n    retry 1.5\n", "Targetfile:2:11: invalid retry count '1.5': expected a whole number up to 1000")
        check("t:\n    retry 1 2\n", "Targetfile:2:11: invalid retry count '1 2': expected a whole number up to 1000")
        check("t:\n    retry +3\n", "Targetfile:2:11: invalid retry count '+3': expected a whole number up to 1000")
        check("t:\n    retry 1001\n", "Targetfile:2:11: invalid retry count '1001': expected a whole number up to 1000")
        check("t:\n    retry\n", "Targetfile:2:5: 'retry' needs an argument")
    }

    func testDuplicateTarget() {
        check("a:\n    run x\n\na: b\n", "Targetfile:4:1: target 'a' already declared at Targetfile:1:1")
        check("include lib.tb\nx:\n    run 1\n", "Targetfile:2:1: target 'x' already declared at lib.tb:2:1",
              files: ["lib.tb": "\nx:\n    run 2\n"])
    }

    func testDuplicateHost() {
        check("host dev = local\nhost dev = ssh me@x\n", "Targetfile:2:6: host 'dev' already declared at Targetfile:1:6")
        check("host  dev = local\ninclude h.tb\n", "h.tb:1:6: host 'dev' already declared at Targetfile:1:7",
              files: ["h.tb": "host dev = local\n"])
    }

    func testPutGetWithoutArrow() {
        check("t:\n    put a b\n", "Targetfile:2:9: expected 'put SOURCE -> DESTINATION'")
        check("t:\n    get a->b\n", "Targetfile:2:9: expected 'get SOURCE -> DESTINATION'")
        check("t:\n    put a ->\n", "Targetfile:2:9: expected 'put SOURCE -> DESTINATION'")
        check("t:\n    get -> b\n", "Targetfile:2:9: expected 'get SOURCE -> DESTINATION'")
        check("t:\n    put\n", "Targetfile:2:5: 'put' needs an argument")
    }

    func testUnknownHostKind() {
        check("host x = vm\n", "Targetfile:1:10: unknown host kind 'vm': expected 'local' or 'ssh [USER@]ADDRESS[:PORT]'")
        check("host x =   docker img\n",
              "Targetfile:1:12: unknown host kind 'docker img': expected 'local' or 'ssh [USER@]ADDRESS[:PORT]'")
        check("host x = ssh\n", "Targetfile:1:10: unknown host kind 'ssh': expected 'local' or 'ssh [USER@]ADDRESS[:PORT]'")
        check("host x = local now\n",
              "Targetfile:1:10: unknown host kind 'local now': expected 'local' or 'ssh [USER@]ADDRESS[:PORT]'")
        check("host a b = local\n", "Targetfile:1:6: invalid host name 'a b'")
    }

    func testArgumentCounts() {
        check("t:\n    always now\n", "Targetfile:2:12: 'always' takes no argument")
        check("t:\n    host a b\n", "Targetfile:2:10: 'host' takes one argument, found 2")
        check("t:\n    state s1  s2 s3\n", "Targetfile:2:11: 'state' takes one argument, found 3")
        check("t:\n    out\n", "Targetfile:2:5: 'out' needs an argument")
        check("t:\n    run\n", "Targetfile:2:5: 'run' needs an argument")
        check("t:\n    use\n", "Targetfile:2:5: 'use' needs an argument")
        check("t:\n    host\n", "Targetfile:2:5: 'host' needs an argument")
    }

    func testBadEnvAndUse() {
        check("t:\n    env NOEQ\n", "Targetfile:2:9: expected 'env NAME=VALUE'")
        check("t:\n    env =v\n", "Targetfile:2:9: expected 'env NAME=VALUE'")
        check("t:\n    env A-B=1\n", "Targetfile:2:9: expected 'env NAME=VALUE'")
        check("t:\n    env 1X=2\n", "Targetfile:2:9: expected 'env NAME=VALUE'")
        check("t:\n    use r  flavour\n", "Targetfile:2:12: expected NAME=VALUE after 'use r'")
        check("t:\n    use r =x\n", "Targetfile:2:11: expected NAME=VALUE after 'use r'")
        check("t:\n    use r/x a=1\n", "Targetfile:2:9: invalid rule name 'r/x'")
    }

    func testFirstErrorWins() {
        check("t:\n    rn\n    timeout x\n", "Targetfile:2:5: unknown keyword 'rn' \(keywords)")
    }

    func testErrorsNameTheFileAsGiven() {
        check("t:\n    rn\n", "proj/sub/Targetfile:2:5: unknown keyword 'rn' \(keywords)", path: "proj/sub/Targetfile")
    }
}
