import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// `secret NAME` in the engine: every form of a value is masked, values read from the
/// state file of a recipe that used a secret become secret, and traces keep a keyed
/// fingerprint.
final class SecretValueTests: XCTestCase {
    func testEveryFormOfAValueIsMasked() {
        let secrets = Secrets(encodings: [{ $0.replacingOccurrences(of: "\\", with: "\\\\") }])
        secrets.add(#"it's "a\b" $x"#)
        secrets.add("")
        XCTAssertEqual(secrets.mask(#"raw it's "a\b" $x."#), "raw ***.")
        XCTAssertEqual(secrets.mask(#"word 'it'\''s "a\b" $x'."#), "word ***.")
        XCTAssertEqual(secrets.mask(#"single 'it'\''s "a\b" $x'"#), "single ***")
        XCTAssertEqual(secrets.mask(#"double "it's \"a\\b\" \$x""#), #"double "***""#)
        XCTAssertEqual(secrets.mask(#"encoded it's "a\\b" $x"#), "encoded ***", "the encoding's form")
        XCTAssertEqual(secrets.mask("nothing secret here"), "nothing secret here")
    }

    private let pipeline = """
        secret password
        password ?= none
        node:
            state arg-node
            run write $(state) hostname=fit01\\ntoken=t-$(password)-9
        plain:
            state arg-plain
            run write $(state) hostname=fit02
        use: node plain
            run say $(node.hostname) $(node.token) $(plain.hostname) ; fail 3
        """

    func testStateValuesOfARecipeThatUsedASecretAreSecret() throws {
        let bed = Testbed(pipeline)
        let options = BuildOptions()
        let (summary, observer) = try bed.build("use", overrides: ["password": "hunter2"], options: options)
        XCTAssertEqual(summary, .counts(ran: 2, failed: 1))
        XCTAssertEqual(bed.executor().commands.last, "say fit01 t-hunter2-9 fit02 ; fail 3", "the recipe gets the values")
        XCTAssertEqual(options.secrets.mask("fit01 t-hunter2-9 fit02 hunter2"), "*** *** fit02 ***",
                       "what node wrote is secret; what plain wrote is not")
        XCTAssertEqual(observer.result("use")?.failure, "command exited with status 3: say *** *** fit02 ; fail 3")
        XCTAssertEqual(observer.result("use")?.tail, ["$ say *** *** fit02 ; fail 3", "*** *** fit02",
                                                      "tbmake: command exited with status 3: say *** *** fit02 ; fail 3"])
    }

    func testTracesKeepAFingerprintUnderTheRunsKey() throws {
        let bed = Testbed(pipeline)
        var options = BuildOptions()
        options.secretKey = SecretKey(bytes: Array("project key".utf8))
        try bed.build("node", overrides: ["password": "hunter2"], options: options)
        let fingerprint = SecretKey(bytes: Array("project key".utf8)).fingerprint("hunter2")
        XCTAssertNotEqual(fingerprint, SHA256.digest("hunter2").hex)
        XCTAssertEqual(bed.store.trace(for: "node")?.components.first { $0.name == "var:password" }?.value,
                       "secret:" + fingerprint)
        // Under another key the same value is another fingerprint: the key is in the trace.
        options.secretKey = SecretKey(bytes: Array("other key".utf8))
        let (_, observer) = try bed.build("node", overrides: ["password": "hunter2"], options: options)
        XCTAssertEqual(observer.decisionsByTarget["node"],
                       Decision(.run, .variableChanged(name: "password", from: "(secret)", to: "(secret)")))
    }

    /// A file named after a secret is traced under a masked name.
    func testAnInputNamedAfterASecretIsTracedMasked() throws {
        let bed = Testbed("secret token\ntoken ?= none\nfetch: keys/$(token).pem\n    run true\n")
        bed.fs.write("keys/t0ps3cret.pem", "key")
        try bed.build("fetch", overrides: ["token": "t0ps3cret"])
        XCTAssertEqual(bed.store.trace(for: "fetch")?.components.map(\.name), ["var:token", "recipe", "in:keys/***.pem"])
        bed.fs.write("keys/t0ps3cret.pem", "another key")
        let (_, observer) = try bed.build("fetch", overrides: ["token": "t0ps3cret"])
        XCTAssertEqual(observer.decisionsByTarget["fetch"], Decision(.run, .inputChanged(path: "keys/***.pem")))
    }
}
