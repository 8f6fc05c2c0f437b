import Foundation
import TBTestSupport
import TBEngine
import TBHosts
import XCTest

/// A host that stops answering without closing the connection (its sshd stopped with
/// SIGSTOP: the kernel still acknowledges TCP, nothing else comes back) fails the
/// command after `ServerAliveCountMax` unanswered keepalives, instead of hanging it.
final class SSHKeepaliveTests: XCTestCase {
    /// A server, a project directory (its known_hosts), and an executor for the server
    /// with a keepalive every second and two unanswered allowed.
    private func host(logLevel: String = "VERBOSE") throws -> (TestSSHD, TemporaryDirectory, SSHExecutor) {
        let sshd = try TestSSHD(logLevel: logLevel)
        let project = try TemporaryDirectory()
        let knownHosts = project.path + "/known_hosts"
        try sshd.knownHostsLine().write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let executor = SSHExecutor(
            hostName: "dev2", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
            options: SSHOptions(identityFiles: [sshd.userKey], knownHostsFile: knownHosts, connectTimeout: 5,
                                useAgent: false, serverAliveInterval: 1, serverAliveCountMax: 2),
            projectDirectory: project.path)
        return (sshd, project, executor)
    }

    func testAHostThatStopsAnsweringFailsTheCommandAndTheNextCommandReconnects() throws {
        let (sshd, project, executor) = try host()
        defer { withExtendedLifetime(project) {} }   // its known_hosts is read on reconnecting
        let sink = CapturingSink()
        XCTAssertEqual(try executor.run(command: "true", environment: [:], deadline: nil, output: sink), 0)

        let finished = expectation(description: "the command returns")
        let outcome = OutcomeBox()
        Thread.detachNewThread {
            // The deadline only keeps a broken keepalive from hanging the test.
            outcome.set(Result { try executor.run(command: "sleep 60", environment: [:],
                                                  deadline: .now + .seconds(45), output: sink) })
            finished.fulfill()
        }
        usleep(300_000)
        sshd.signalConnections(SIGSTOP)
        wait(for: [finished], timeout: 60)
        sshd.signalConnections(SIGCONT)
        sshd.killConnections()

        let message: String
        switch outcome.get() {
        case .success(let status): message = "finished with status \(status)"
        case .failure(let error): message = "\(error)"
        }
        XCTAssertTrue(message.hasPrefix("host dev2 unavailable: connection to dev2 lost: no answer for "), message)
        XCTAssertTrue(message.hasSuffix(" s (2 keepalives unanswered)"), message)

        let again = CapturingSink()
        XCTAssertEqual(try executor.run(command: "echo back", environment: [:], deadline: nil, output: again), 0)
        XCTAssertEqual(again.text, "back\n")
    }

    /// Between targets nobody waits on the connection: keepalives still go out each
    /// interval (so that a firewall keeps it open), and their answers, read by the next
    /// command, do not count as unanswered.
    func testAnIdleConnectionSendsKeepalivesAndStaysUsable() throws {
        let (sshd, project, executor) = try host(logLevel: "DEBUG3")
        defer { withExtendedLifetime(project) {} }   // its known_hosts is read on reconnecting
        let sink = CapturingSink()
        XCTAssertEqual(try executor.run(command: "true", environment: [:], deadline: nil, output: sink), 0)
        func keepalivesReceived() throws -> Int {
            try String(contentsOfFile: sshd.log, encoding: .utf8).components(separatedBy: "keepalive@libssh2.org").count - 1
        }
        let before = try keepalivesReceived()
        usleep(3_600_000)   // idle for more than three intervals
        XCTAssertGreaterThanOrEqual(try keepalivesReceived() - before, 2)
        let again = CapturingSink()
        XCTAssertEqual(try executor.run(command: "echo still", environment: [:], deadline: nil, output: again), 0)
        // (At DEBUG3 the session also carries sshd's own debug lines.)
        XCTAssertTrue(again.text.split(whereSeparator: \.isNewline).contains("still"), again.text)
    }

    func testSSHConfigSetsTheKeepalive() throws {
        let config = SSHConfig(text: """
            Host quiet
              ServerAliveInterval 0
            Host *
              ServerAliveInterval 5
              ServerAliveCountMax 4
            """)
        XCTAssertEqual(config.resolve(alias: "quiet").1.serverAliveInterval, 0)
        let (_, options) = config.resolve(alias: "dev2")
        XCTAssertEqual(options.serverAliveInterval, 5)
        XCTAssertEqual(options.serverAliveCountMax, 4)
        XCTAssertEqual(SSHConfig(text: "").resolve(alias: "dev2").1.serverAliveInterval, 15)
    }
}

/// The result of a command run on another thread.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int32, Error>?

    func set(_ value: Result<Int32, Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() -> Result<Int32, Error> {
        lock.lock()
        defer { lock.unlock() }
        return result ?? .failure(NSError(domain: "no result", code: 0))
    }
}
