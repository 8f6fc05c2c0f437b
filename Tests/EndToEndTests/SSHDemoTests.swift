import Foundation
import TBTestSupport
import XCTest

/// The demo Targetfile over ssh: hosts dev2 and prod are real sshd processes on
/// 127.0.0.1 (see `LoopbackHosts`), reached through an ssh_config naming them
/// `dev2box` and `prodbox`, each with its own remote root (a directory on this
/// machine). Also: host keys unknown, accepted, changed; wrong user key; refused
/// connection; `-H dev2=local`.
final class SSHDemoTests: XCTestCase {
    private let pipeline = ["dev-rpm", "dev-install", "prod-rpm", "prod-install"]

    /// The hosts, and a copy of the demo whose two host lines name them.
    private func sshDemo() throws -> (LoopbackHosts, Project) {
        try TBMakeBinary.requireRPM()
        let hosts = try LoopbackHosts(["dev2", "prod"])
        let project = try Project.demo()
        let targetfile = try project.read("Targetfile")
        let rewritten = targetfile
            .replacingOccurrences(of: "\nhost dev2 = local\n", with: "\nhost dev2 = ssh dev2box root=\(hosts.directory)/remote-dev2\n")
            .replacingOccurrences(of: "\nhost prod = local\n", with: "\nhost prod = ssh prodbox root=\(hosts.directory)/remote-prod\n")
        XCTAssertEqual(rewritten.split(separator: "\n").filter { $0.hasPrefix("host ") },
                       ["host dev2 = ssh dev2box root=\(hosts.directory)/remote-dev2",
                        "host prod = ssh prodbox root=\(hosts.directory)/remote-prod"])
        try project.write("Targetfile", rewritten)
        return (hosts, project)
    }

    /// `tbmake -C <project> --ssh-config <hosts' config> arguments...`, without an
    /// ssh-agent (only the configured key files may authenticate).
    private func tbmake(_ project: Project, _ hosts: LoopbackHosts, _ arguments: String...) throws -> RunResult {
        try RunningTBMake(binary: "/usr/bin/env",
                          arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                      "--ssh-config", hosts.sshConfig] + arguments).wait()
    }

    private func installed(_ package: String, root: String, _ project: Project) throws -> RunResult {
        try project.shell("rpm --root \(root) --dbpath /var/lib/rpm -q \(package)")
    }

    private func all(_ decision: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: pipeline.map { ($0, decision) })
    }

    /// The decisions of a run stopped by dev-rpm failing to reach dev2.
    private let dev2Unreachable = [
        "dev-rpm": "run: cannot be decided; see its error",
        "dev-install": "skip: dependency dev-rpm failed",
        "prod-rpm": "skip: not run: the run stopped at a failure (-k keeps going)",
        "prod-install": "skip: not run: the run stopped at a failure (-k keeps going)",
    ]

    // MARK: 1. the demo

    func testDemoOverSSHInstallsOnTheProdRootThenNothingToDoThenAnEditRerunsTheFour() throws {
        let (hosts, project) = try sshDemo()
        let first = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.started(), pipeline)
        XCTAssertEqual(first.decisions(), all("run: never ran"))
        XCTAssertEqual(first.finished(), all("ok"))
        XCTAssertTrue(project.exists("dist/kata-dev-1.0-1.noarch.rpm"))
        XCTAssertTrue(project.exists("dist/kata-prod-1.0-1.noarch.rpm"))
        for (host, package) in [("prod", "kata-prod"), ("dev2", "kata-dev")] {
            let query = try installed(package, root: "\(hosts.directory)/remote-\(host)", project)
            XCTAssertEqual(query.status, 0, "\(query)")
            XCTAssertEqual(query.stdout, "\(package)-1.0-1.noarch\n")
        }
        XCTAssertEqual(try installed("kata-prod", root: "\(hosts.directory)/remote-dev2", project).status, 1,
                       "each host installs into its own root")
        XCTAssertTrue(FileManager.default.fileExists(atPath: hosts.directory + "/remote-dev2/build/prod/src/kata.spec"),
                      "the rpms are built in dev2's root")
        XCTAssertFalse(project.exists(".tbmake/hosts"), "nothing ran in a local sandbox")

        let second = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.stdout, "tbmake: nothing to do, everything is up to date\n")
        XCTAssertEqual(second.stderr, "")

        try project.append("demo/kata/kata", "# one more line\n")
        let third = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(third.status, 0, "\(third)")
        XCTAssertEqual(third.started(), pipeline)
        XCTAssertEqual(third.decisions(), [
            "dev-rpm": "run: input demo/kata/kata changed",
            "dev-install": "run: dependency dev-rpm produced new output",
            "prod-rpm": "run: input demo/kata/kata changed",
            "prod-install": "run: dependency prod-rpm produced new output",
        ])
        let kata = try String(contentsOfFile: hosts.directory + "/remote-prod/usr/bin/kata", encoding: .utf8)
        // The spec substitutes the version (1.0 in the demo) into the script.
        XCTAssertEqual(kata, try project.read("demo/kata/kata").replacingOccurrences(of: "@VERSION@", with: "1.0"),
                       "the edited script is installed")
    }

    // MARK: 2. unknown host key

    func testUnknownHostKeyIsRefusedAndAcceptNewRecordsIt() throws {
        let (hosts, project) = try sshDemo()
        try hosts.writeKnownHosts(["prod"])
        let prodOnly = try String(contentsOfFile: hosts.knownHosts, encoding: .utf8)
        let dev2 = hosts["dev2"]

        let refused = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderr, "tbmake: dev-rpm failed: host dev2 unavailable: host key of [127.0.0.1]:\(dev2.port) "
                       + "is not known (\(try dev2.fingerprint())); add it to \(hosts.knownHosts) "
                       + "or set StrictHostKeyChecking accept-new\n")
        XCTAssertEqual(try String(contentsOfFile: hosts.knownHosts, encoding: .utf8), prodOnly, "nothing trusted silently")
        let json = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(json.status, 1, "\(json)")
        XCTAssertEqual(json.decisions(), dev2Unreachable)
        XCTAssertEqual(json.started(), [])

        try hosts.writeConfig(extra: ["dev2": ["StrictHostKeyChecking accept-new"]])
        let accepted = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(accepted.status, 0, "\(accepted)")
        XCTAssertEqual(accepted.decisions(), all("run: never ran"))
        XCTAssertEqual(try String(contentsOfFile: hosts.knownHosts, encoding: .utf8), prodOnly + (try dev2.knownHostsLine()))

        try hosts.writeConfig()
        let strictAgain = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(strictAgain.status, 0, "the recorded key is trusted under the default policy: \(strictAgain)")
        XCTAssertEqual(strictAgain.stdout, "tbmake: nothing to do, everything is up to date\n")
    }

    // MARK: 3. changed host key

    func testChangedHostKeyIsRefusedNamingTheKnownHostsLineAndNewFingerprintAndLeavesNoTrace() throws {
        let (hosts, project) = try sshDemo()
        let dev2 = hosts["dev2"]
        try hosts.writeKnownHosts(["prod", "dev2"])   // dev2's key on line 2
        try dev2.changeHostKey()

        let refused = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderr, "tbmake: dev-rpm failed: host dev2 unavailable: HOST KEY OF [127.0.0.1]:\(dev2.port) "
                       + "HAS CHANGED: it now offers \(try dev2.fingerprint()), not the key at \(hosts.knownHosts):2; "
                       + "refusing to connect (remove that line if the change is expected)\n")
        let json = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(json.status, 1, "\(json)")
        XCTAssertEqual(json.decisions(), dev2Unreachable)
        XCTAssertEqual(json.finished(), ["dev-rpm": "failed"])
        XCTAssertFalse(project.exists("dist/kata-dev-1.0-1.noarch.rpm"))

        try hosts.writeKnownHosts(["prod", "dev2"])
        let fixed = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(fixed.status, 0, "\(fixed)")
        XCTAssertEqual(fixed.decisions(), all("run: never ran"), "the refused runs recorded no trace")
    }

    // MARK: 4. host identity

    func testANewHostKeyRerunsTheTargetsOnThatHost() throws {
        let (hosts, project) = try sshDemo()
        let first = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(first.status, 0, "\(first)")

        try hosts["dev2"].changeHostKey()
        try hosts.writeKnownHosts(["dev2", "prod"])
        let run = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), ["dev-rpm", "dev-install", "prod-rpm"])
        XCTAssertEqual(run.decisions(), [
            "dev-rpm": "run: host dev2 changed",
            "dev-install": "run: host dev2 changed",
            "prod-rpm": "run: host dev2 changed",
            "prod-install": "skip: up to date",   // the same prod rpm: reproducible
        ])
        XCTAssertEqual(try tbmake(project, hosts, "--json", "prod-install").decisions(), all("skip: up to date"))
    }

    // MARK: 5. authentication and connection failures

    func testWrongUserKeyAndRefusedConnectionAreOneLineErrorsNamingTheHost() throws {
        let (hosts, project) = try sshDemo()
        let wrongKey = hosts.directory + "/wrong_ed25519"
        try TestSSHD.keygen(wrongKey)
        try hosts.writeConfig(identityFile: wrongKey)
        let wrong = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(wrong.status, 1, "\(wrong)")
        XCTAssertEqual(wrong.stderr, "tbmake: dev-rpm failed: host dev2 unavailable: authentication as root@dev2 failed "
                       + "(tried \(wrongKey))\n")

        try hosts.writeConfig()
        hosts["dev2"].stop()
        let refused = try tbmake(project, hosts, "--json", "prod-install")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.decisions(), dev2Unreachable)
        let failure = refused.events().first { $0["event"] as? String == "finished" }
        XCTAssertEqual(failure?["error"] as? String,
                       "host dev2 unavailable: cannot connect to 127.0.0.1:\(hosts["dev2"].port): Connection refused")
        let plain = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(plain.status, 1, "\(plain)")
        XCTAssertEqual(plain.stderr, "tbmake: dev-rpm failed: host dev2 unavailable: "
                       + "cannot connect to 127.0.0.1:\(hosts["dev2"].port): Connection refused\n")
    }

    // MARK: 6. -H dev2=local

    func testHostOverrideRunsDev2TargetsInTheLocalSandbox() throws {
        let (hosts, project) = try sshDemo()
        let first = try tbmake(project, hosts, "prod-install")
        XCTAssertEqual(first.status, 0, "\(first)")
        hosts["dev2"].stop()   // proves the override does not reach it

        let local = try tbmake(project, hosts, "--json", "-H", "dev2=local", "prod-install")
        XCTAssertEqual(local.status, 0, "\(local)")
        XCTAssertEqual(local.started(), ["dev-rpm", "dev-install", "prod-rpm"])
        XCTAssertEqual(local.decisions(), [
            "dev-rpm": "run: host dev2 changed",
            "dev-install": "run: host dev2 changed",
            "prod-rpm": "run: host dev2 changed",
            "prod-install": "skip: up to date",
        ])
        let query = try installed("kata-dev", root: project.path + "/.tbmake/hosts/dev2", project)
        XCTAssertEqual(query.stdout, "kata-dev-1.0-1.noarch\n", "\(query)")
        XCTAssertTrue(project.exists(".tbmake/hosts/dev2/build/prod/src/kata.spec"))
        XCTAssertFalse(project.exists(".tbmake/hosts/prod"), "prod is still reached over ssh")

        let again = try tbmake(project, hosts, "-H", "dev2=local", "prod-install")
        XCTAssertEqual(again.stdout, "tbmake: nothing to do, everything is up to date\n", "\(again)")
    }
}
