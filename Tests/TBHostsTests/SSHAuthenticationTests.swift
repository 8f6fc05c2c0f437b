import Foundation
import TBEngine
import TBHosts
import TBTestSupport
import XCTest

/// Authentication against a real sshd with each kind of key users have: ed25519 (the
/// other tests), ecdsa and rsa (OpenSSH and PEM files, signed rsa-sha2-512: OpenSSH 9
/// refuses the SHA-1 signatures of libssh2 1.10), from key files and from ssh-agent.
final class SSHAuthenticationTests: XCTestCase {
    private var sshd: TestSSHD!
    private var keys: TemporaryDirectory!

    override func setUpWithError() throws {
        sshd = try TestSSHD()
        keys = try TemporaryDirectory()
        try sshd.knownHostsLine().write(toFile: keys.path + "/known_hosts", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        sshd = nil
        keys = nil
    }

    /// A new key of `type` whose public half the server accepts.
    private func authorisedKey(_ type: String, bits: String? = nil, format: String? = nil) throws -> String {
        let path = keys.path + "/id_" + type + (format ?? "")
        try TestProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-f", path]
                            + (bits.map { ["-b", $0] } ?? []) + (format.map { ["-m", $0] } ?? []))
        let authorised = try String(contentsOfFile: sshd.userKey + ".pub", encoding: .utf8)
            + String(contentsOfFile: path + ".pub", encoding: .utf8)
        try authorised.write(toFile: sshd.userKey + ".pub", atomically: true, encoding: .utf8)
        return path
    }

    private func whoami(identityFiles: [String], useAgent: Bool) throws -> String {
        let executor = SSHExecutor(
            hostName: "dev2", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
            options: SSHOptions(identityFiles: identityFiles, knownHostsFile: keys.path + "/known_hosts",
                                connectTimeout: 5, useAgent: useAgent))
        let sink = CapturingSink()
        XCTAssertEqual(try executor.run(command: "id -un", environment: [:], deadline: nil, output: sink), 0)
        return sink.text
    }

    func testECDSAKeyFile() throws {
        XCTAssertEqual(try whoami(identityFiles: [try authorisedKey("ecdsa")], useAgent: false), "root\n")
    }

    func testRSAKeyFileSignsWithSHA2() throws {
        XCTAssertEqual(try whoami(identityFiles: [try authorisedKey("rsa", bits: "3072")], useAgent: false), "root\n")
        let log = try String(contentsOfFile: sshd.log, encoding: .utf8)
        XCTAssertTrue(log.contains("Accepted publickey for root from 127.0.0.1") && log.contains(" RSA SHA256:"), log)
    }

    func testRSAKeyFileInPEMFormat() throws {
        let key = try authorisedKey("rsa", bits: "2048", format: "PEM")
        XCTAssertTrue(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        XCTAssertEqual(try whoami(identityFiles: [key], useAgent: false), "root\n")
    }

    func testKeyHeldByTheAgent() throws {
        let key = try authorisedKey("ecdsa")
        let socket = keys.path + "/agent.sock"
        let agent = try TestProcess.spawn("/usr/bin/ssh-agent", ["-D", "-a", socket], output: keys.path + "/agent.log", append: false)
        defer {
            kill(agent, SIGTERM)
            var status: Int32 = 0
            waitpid(agent, &status, 0)
        }
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
        let previous = getenv("SSH_AUTH_SOCK").map { String(cString: $0) }
        setenv("SSH_AUTH_SOCK", socket, 1)
        defer { if let previous { setenv("SSH_AUTH_SOCK", previous, 1) } else { unsetenv("SSH_AUTH_SOCK") } }
        try TestProcess.run("/usr/bin/ssh-add", ["-q", key])
        // The key file is gone: only the agent can sign.
        try FileManager.default.removeItem(atPath: key)
        XCTAssertEqual(try whoami(identityFiles: [key], useAgent: true), "root\n")
    }
}
