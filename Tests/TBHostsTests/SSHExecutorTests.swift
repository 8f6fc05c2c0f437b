import Foundation
import TBTestSupport
import TBEngine
import TBHosts
import XCTest

final class SSHExecutorTests: XCTestCase {
    private var sshd: TestSSHD!
    private var project: TemporaryDirectory!

    override func setUpWithError() throws {
        sshd = try TestSSHD()
        project = try TemporaryDirectory()
        try sshd.knownHostsLine().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        sshd = nil
        project = nil
    }

    private var knownHosts: String { project.path + "/known_hosts" }

    private func makeExecutor(policy: StrictHostKeyChecking = .yes, key: String? = nil, port: Int? = nil,
                              root: String? = nil, probe: String? = nil) -> SSHExecutor {
        SSHExecutor(hostName: "dev2", destination: SSHDestination(user: "root", address: "127.0.0.1", port: port ?? sshd.port),
                    options: SSHOptions(identityFiles: [key ?? sshd.userKey], knownHostsFile: knownHosts,
                                        strictHostKeyChecking: policy, connectTimeout: 5, useAgent: false),
                    root: root, probe: probe, projectDirectory: project.path)
    }

    private func run(_ executor: SSHExecutor, _ command: String, environment: [String: String] = [:],
                     deadline: ContinuousClock.Instant? = nil) throws -> (status: Int32, output: String) {
        let sink = CapturingSink()
        let status = try executor.run(command: command, environment: environment, deadline: deadline, output: sink)
        return (status, sink.text)
    }


    // MARK: commands

    func testOutputAndExitStatus() throws {
        let result = try run(makeExecutor(), "echo hi; echo err >&2; exit 3")
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.output, "hi\nerr\n")
    }

    func testSignalledCommandReports128PlusSignal() throws {
        XCTAssertEqual(try run(makeExecutor(), "kill -9 $$").status, 128 + 9)
    }

    func testFiftyCommandsShareOneConnection() throws {
        let executor = makeExecutor()
        var seen = Set<String>()
        for i in 0..<50 {
            let result = try run(executor, "echo $SSH_CONNECTION \(i)")
            XCTAssertEqual(result.status, 0)
            XCTAssertTrue(result.output.hasSuffix(" \(i)\n"), result.output)
            seen.insert(String(result.output.dropLast(" \(i)\n".count)))
        }
        XCTAssertEqual(seen.count, 1, "\(seen)")
        let log = try String(contentsOfFile: sshd.log, encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "Accepted publickey").count - 1, 1)
    }

    func testConcurrentCommandsOnOneConnection() throws {
        let executor = makeExecutor()
        try executor.prepare()
        let results = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 16)
        defer { results.deallocate() }
        let outputs = (0..<16).map { _ in CapturingSink() }
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            results[i] = (try? executor.run(command: "sleep 0.2; echo \(i); exit \(i)", environment: [:],
                                             deadline: nil, output: outputs[i])) ?? -1
        }
        for i in 0..<16 {
            XCTAssertEqual(results[i], Int32(i))
            XCTAssertEqual(outputs[i].text, "\(i)\n")
        }
    }

    func testHostileCommandTextRunsAsGiven() throws {
        let command = "printf '%s|' \"a'b\" 'c\"d' '$(touch /tmp/pwned)' '; rm -rf /'; printf '\\n'; echo 'x\ny'"
        let result = try run(makeExecutor(), command)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.output, "a'b|c\"d|$(touch /tmp/pwned)|; rm -rf /|\nx\ny\n")
    }

    func testEnvironmentValuesAreQuoted() throws {
        let value = "it's $(echo no) `x` ; \"q\"\nline2"
        let result = try run(makeExecutor(), "printf '%s' \"$V\"", environment: ["V": value])
        XCTAssertEqual(result.output, value)
    }

    func testRootIsRemoteHomeByDefaultOrGiven() throws {
        XCTAssertEqual(makeExecutor().variables["root"], sshd.home)
        let root = sshd.directory + "/root dir"
        let executor = makeExecutor(root: root)
        try executor.prepare()
        XCTAssertEqual(executor.variables["root"], root)
        XCTAssertEqual(try run(executor, "pwd").output, root + "\n")
    }

    func testTimeoutKillsRemoteProcessGroup() throws {
        let executor = makeExecutor()
        let marker = "sleep 30.\(UInt32.random(in: 1000..<100_000))"
        let message = thrownMessage { _ = try run(executor, "\(marker) & wait", deadline: .now + .milliseconds(500)) }
        XCTAssertEqual(message, "timed out after 0.5s")
        let left = try run(executor, "pgrep -f '[s]\(marker.dropFirst())' || echo none")
        XCTAssertEqual(left.output, "none\n")
    }

    func testSSHDKilledMidCommandIsUnavailableNamingHost() throws {
        let executor = makeExecutor()
        try executor.prepare()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { self.sshd.killConnections() }
        let message = thrownMessage { _ = try run(executor, "sleep 5") }
        XCTAssertTrue(message.hasPrefix("host dev2 unavailable: "), message)
        XCTAssertFalse(message.contains("\n"), message)
        // The next use connects again.
        XCTAssertEqual(try run(executor, "echo back").output, "back\n")
    }

    // MARK: connecting

    func testConnectionRefusedNamesHostAndPort() throws {
        let closed = try TestProcess.freePort()
        let message = thrownMessage { try makeExecutor(port: closed).prepare() }
        XCTAssertEqual(message, "host dev2 unavailable: cannot connect to 127.0.0.1:\(closed): Connection refused")
    }

    func testWrongUserKeyIsOneLineAuthError() throws {
        let other = project.path + "/other_key"
        try TestSSHD.keygen(other)
        let message = thrownMessage { try makeExecutor(key: other).prepare() }
        XCTAssertEqual(message, "host dev2 unavailable: authentication as root@dev2 failed (tried \(other))")
    }

    func testPassphraseProtectedKeyWithoutAgent() throws {
        let key = project.path + "/locked_key"
        try TestProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-f", key])
        let message = thrownMessage { try makeExecutor(key: key).prepare() }
        XCTAssertEqual(message, "host dev2 unavailable: cannot authenticate to dev2: key \(key) is passphrase-protected and no ssh-agent holds it (add it with ssh-add)")
    }

    func testUnknownHostKeyRefusedByDefault() throws {
        try "".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let fingerprint = try sshd.fingerprint()
        let message = thrownMessage { try makeExecutor().prepare() }
        XCTAssertEqual(message, "host dev2 unavailable: host key of [127.0.0.1]:\(sshd.port) is not known (\(fingerprint)); add it to \(knownHosts) or set StrictHostKeyChecking accept-new")
    }

    func testAcceptNewRecordsTheKey() throws {
        try FileManager.default.removeItem(atPath: knownHosts)
        let executor = makeExecutor(policy: .acceptNew)
        XCTAssertEqual(try run(executor, "echo ok").output, "ok\n")
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        XCTAssertEqual(recorded, try sshd.knownHostsLine())
        // And now the strict policy accepts it.
        XCTAssertEqual(try run(makeExecutor(), "echo ok").output, "ok\n")
    }

    func testChangedHostKeyAlwaysRefusedWithFingerprintAndLine() throws {
        try ("# comment\n" + "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8mP0m3mP1R6jzqXr3ZcGgq1xBPZ8y9y1Vd3xQ9yQq\n"
             + sshd.knownHostsLine()).write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let before = try makeExecutor().identity()
        sshd.stop()
        try sshd.regenerateHostKey()
        try sshd.start()
        let fingerprint = try sshd.fingerprint()
        for policy in [StrictHostKeyChecking.yes, .acceptNew, .no] {
            let message = thrownMessage { try makeExecutor(policy: policy).prepare() }
            XCTAssertEqual(message, "host dev2 unavailable: HOST KEY OF [127.0.0.1]:\(sshd.port) HAS CHANGED: it now offers \(fingerprint), not the key at \(knownHosts):3; refusing to connect (remove that line if the change is expected)")
        }
        // Identity follows the host key.
        try sshd.knownHostsLine().write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let after = try makeExecutor().identity()
        XCTAssertEqual(after, "ssh:" + fingerprint)
        XCTAssertNotEqual(before, after)
    }

    func testIdentityIncludesProbeOutput() throws {
        let identity = try makeExecutor(probe: "echo boot-42").identity()
        XCTAssertEqual(identity, "ssh:\(try sshd.fingerprint()) boot-42")
    }

    // MARK: transfers

    func testPutAndGetFileKeepsModeAndContent() throws {
        let content = String(repeating: "0123456789abcdef", count: 200_000) + "end\n"
        try project.write("tool.sh", content, mode: 0o755)
        let executor = makeExecutor()
        try executor.put(from: "tool.sh", to: "bin/tool.sh")
        let remote = sshd.home + "/bin/tool.sh"
        XCTAssertEqual(try readText(remote), content)
        XCTAssertEqual(permissions(remote), 0o755)
        try executor.get(from: "bin/tool.sh", to: "back/tool.sh")
        XCTAssertEqual(try readText(project.path + "/back/tool.sh"), content)
        XCTAssertEqual(permissions(project.path + "/back/tool.sh"), 0o755)
        // Replacing keeps no temporary files behind.
        try project.write("tool.sh", "v2\n", mode: 0o700)
        try executor.put(from: "tool.sh", to: "bin/tool.sh")
        XCTAssertEqual(try readText(remote), "v2\n")
        XCTAssertEqual(permissions(remote), 0o700)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sshd.home + "/bin"), ["tool.sh"])
    }

    func testPutAndGetDirectory() throws {
        try project.write("tree/a.txt", "a\n")
        try project.write("tree/sub/run.sh", "#!/bin/sh\n", mode: 0o750)
        try FileManager.default.createSymbolicLink(atPath: project.path + "/tree/link", withDestinationPath: "a.txt")
        let executor = makeExecutor()
        try executor.put(from: "tree", to: "dest/")
        let remote = sshd.home + "/dest/tree"
        XCTAssertEqual(try readText(remote + "/a.txt"), "a\n")
        XCTAssertEqual(permissions(remote + "/sub/run.sh"), 0o750)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: remote + "/link"), "a.txt")
        // A second put replaces the whole tree.
        try FileManager.default.removeItem(atPath: project.path + "/tree/a.txt")
        try executor.put(from: "tree", to: "dest/tree")
        XCTAssertFalse(exists(remote + "/a.txt"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sshd.home + "/dest"), ["tree"])

        try executor.get(from: "dest/tree", to: "copy")
        XCTAssertEqual(try readText(project.path + "/copy/sub/run.sh"), "#!/bin/sh\n")
        XCTAssertEqual(permissions(project.path + "/copy/sub/run.sh"), 0o750)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: project.path + "/copy/link"), "a.txt")
    }

    /// Names are bytes over SFTP too: é, CJK, emoji and Latin-1 bytes in file, directory
    /// and symlink target names go up and come back exactly.
    func testPutAndGetTreeWithNamesOfEveryKind() throws {
        NameTree.make(project.path + "/tree")
        let executor = makeExecutor()
        try executor.put(from: "tree", to: "dest/tree")
        XCTAssertEqual(NameTree.describe(sshd.home + "/dest/tree"), NameTree.expected)
        try executor.get(from: "dest/tree", to: "back/tree")
        XCTAssertEqual(NameTree.describe(project.path + "/back/tree"), NameTree.expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project.path + "/back"), ["tree"])
        try executor.put(from: "tree", to: "dest/tree")
        XCTAssertEqual(NameTree.describe(sshd.home + "/dest/tree"), NameTree.expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sshd.home + "/dest"), ["tree"])
    }

    func testGetMissingFileNamesIt() throws {
        let message = thrownMessage { try makeExecutor().get(from: "nope.txt", to: "x") }
        XCTAssertEqual(message, "cannot copy \(sshd.home)/nope.txt: No such file or directory")
        XCTAssertFalse(exists(project.path + "/x"))
    }
}
