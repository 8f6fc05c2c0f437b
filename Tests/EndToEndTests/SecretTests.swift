import Foundation
import XCTest

/// `secret NAME`: the value never appears in the output, `--json`, the recipe's log,
/// error messages, or the trace log — yet changing it reruns what uses it.
final class SecretTests: XCTestCase {
    private let targetfile = """
        secret password
        password ?= none
        login:
            out login.txt
            run echo "user root password $(password)" && echo "stderr: $(password)" >&2 && echo done > $(out)
        broken:
            run echo "trying $(password)" && exit 3
        """

    private func everything(_ project: Project, _ runs: [RunResult]) throws -> String {
        var text = runs.map { $0.stdout + $0.stderr }.joined()
        for file in [".tbmake/logs/login.log", ".tbmake/logs/broken.log", ".tbmake/log"] where project.exists(file) {
            text += try project.read(file)
        }
        return text
    }

    func testASecretIsNeverShown() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("--json", "login", "password=hunter2")
        XCTAssertEqual(first.status, 0, "\(first)")
        let failed = try project.tbmake("broken", "password=hunter2")
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("tbmake: broken failed: command exited with status 3: echo \"trying ***\" && exit 3"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("  | trying ***"), failed.stderr)
        let changed = try project.tbmake("--json", "--explain", "login", "password=swordfish")
        XCTAssertEqual(changed.decisions()["login"], "run: variable password changed (secret)→(secret)")
        let all = try everything(project, [first, failed, changed])
        XCTAssertFalse(all.contains("hunter2"), all)
        XCTAssertFalse(all.contains("swordfish"), all)
        XCTAssertTrue(try project.read(".tbmake/logs/login.log").contains("user root password ***\nstderr: ***\n"))
        XCTAssertEqual(try project.read("login.txt"), "done\n", "the recipe itself saw the value")
    }

    /// A value with a quote is spliced escaped (`it\"s-hunter2`): that form is masked too,
    /// in the failure, its log and `--json` (where it is escaped once more).
    func testTheSplicedFormOfAValueIsMasked() throws {
        let project = try Project(targetfile: targetfile)
        let human = try project.tbmake("broken", #"password=it"s-hunter2"#)
        XCTAssertEqual(human.status, 1)
        XCTAssertEqual(human.stderr, """
            tbmake: broken failed: command exited with status 3: echo "trying ***" && exit 3
              | $ echo "trying ***" && exit 3
              | trying ***
              | tbmake: command exited with status 3: echo "trying ***" && exit 3
              log: .tbmake/logs/broken.log

            """)
        let json = try project.tbmake("--json", "broken", #"password=back\slash"#)
        XCTAssertEqual(json.status, 1)
        XCTAssertEqual(json.events().first { $0["event"] as? String == "finished" }?["error"] as? String,
                       #"command exited with status 3: echo "trying ***" && exit 3"#)
        XCTAssertFalse(json.stdout.contains("slash"), json.stdout)
        XCTAssertEqual(try project.read(".tbmake/logs/broken.log"), """
            $ echo "trying ***" && exit 3
            trying ***
            tbmake: command exited with status 3: echo "trying ***" && exit 3

            """)
    }

    /// A prerequisite naming a secret is a file input; when it is missing, the error says
    /// so without the value, also under `--validate`.
    func testASecretInAPrerequisiteIsMaskedInTheError() throws {
        let project = try Project(targetfile: "secret token\ntoken ?= none\nfetch: keys/$(token).pem\n    run true\n")
        for arguments in [["fetch"], ["--validate"], ["-n", "fetch"]] {
            let result = try project.start(arguments + ["token=t0ps3cret"]).wait()
            XCTAssertEqual(result.status, 2, "\(arguments): \(result)")
            XCTAssertEqual(result.stderr, "tbmake: Targetfile:3:8: no such file or target 'keys/***.pem'\n", "\(arguments)")
        }
        XCTAssertFalse(project.exists(".tbmake"), "an error writes nothing")
    }

    /// What a recipe that used a secret wrote into its state file is secret for the
    /// targets that read it: `$(node.token)` is masked in their run lines and output.
    func testStateWrittenWithASecretIsSecret() throws {
        let project = try Project(targetfile: """
            secret password
            password ?= none
            node:
                state node.state
                run printf %s $(password) | sha256sum | cut -c1-20 | sed 's/^/token=/; $$a name=fit01' > $(state)
            use: node
                run echo "token $(node.token) on $(node.name)" && exit 5

            """)
        let result = try project.tbmake("--json", "use", "password=hunter2")
        XCTAssertEqual(result.status, 1, "\(result)")
        let state = try project.read("node.state")
        let token = String(state.dropFirst("token=".count).prefix(20))
        XCTAssertEqual(token.count, 20, state)
        XCTAssertEqual(result.events().first { $0["target"] as? String == "use" && $0["event"] as? String == "finished" }?["error"] as? String,
                       "command exited with status 5: echo \"token *** on ***\" && exit 5")
        XCTAssertEqual(try project.read(".tbmake/logs/use.log"), """
            $ echo "token *** on ***" && exit 5
            token *** on ***
            tbmake: command exited with status 5: echo "token *** on ***" && exit 5

            """)
        let all = try everything(project, [result]) + (try project.read(".tbmake/logs/node.log"))
        XCTAssertFalse(all.contains(token), all)
        XCTAssertFalse(all.contains("hunter2"), all)
    }

    /// The trace keeps HMAC-SHA256 of the value under the project's random key, not a
    /// plain SHA-256 a dictionary attack recovers. The key is made once, mode 0600; a
    /// dry run makes none.
    func testTracesKeepAFingerprintKeyedPerProject() throws {
        let project = try Project(targetfile: targetfile)
        XCTAssertEqual(try project.tbmake("-n", "login", "password=hunter2").status, 0)
        XCTAssertFalse(project.exists(".tbmake"), "a dry run writes no key")
        XCTAssertEqual(try project.tbmake("login", "password=hunter2").status, 0)
        var status = stat()
        XCTAssertEqual(lstat(project.path + "/.tbmake/secret-key", &status), 0)
        XCTAssertEqual(status.st_mode & 0o7777, 0o600)
        XCTAssertEqual(status.st_size, 32)
        let key = try Data(contentsOf: project.url(".tbmake/secret-key"))
        let hexKey = key.map { String(format: "%02x", $0) }.joined()
        let log = try project.read(".tbmake/log")
        let plain = try project.shell("printf %s hunter2 | sha256sum").stdout.prefix(64)
        let keyed = try project.shell("printf %s hunter2 | openssl dgst -sha256 -mac HMAC -macopt hexkey:\(hexKey) -r")
            .stdout.prefix(64)
        XCTAssertEqual(keyed.count, 64)
        XCTAssertFalse(log.contains(plain), log)
        XCTAssertTrue(log.contains("var:password\tsecret:\(keyed)"), log)

        // The key stays: the same value is up to date, another one reruns.
        XCTAssertEqual(try project.tbmake("--json", "login", "password=hunter2").decisions()["login"], "skip: up to date")
        XCTAssertEqual(try Data(contentsOf: project.url(".tbmake/secret-key")), key)
        XCTAssertEqual(try project.tbmake("--json", "login", "password=swordfish").decisions()["login"],
                       "run: variable password changed (secret)→(secret)")

        // Another project holds another key: the same value has another fingerprint.
        let other = try Project(targetfile: targetfile)
        XCTAssertEqual(try other.tbmake("login", "password=hunter2").status, 0)
        XCTAssertNotEqual(try Data(contentsOf: other.url(".tbmake/secret-key")), key)
        XCTAssertFalse(try other.read(".tbmake/log").contains(String(keyed)))
    }

    /// A variable whose value holds a secret's is kept as a fingerprint too.
    func testAVariableHoldingASecretIsNotTracedInClear() throws {
        let project = try Project(targetfile: """
            secret password
            password ?= none
            auth = root:$(password)
            login:
                run echo $(auth) > /dev/null

            """)
        XCTAssertEqual(try project.tbmake("login", "password=hunter2").status, 0)
        let log = try project.read(".tbmake/log")
        XCTAssertFalse(log.contains("hunter2"), log)
        XCTAssertTrue(log.contains("var:auth\tsecret:"), log)
        XCTAssertEqual(try project.tbmake("--json", "login", "password=swordfish").decisions()["login"],
                       "run: variable auth changed (secret)→(secret)")
    }
}
