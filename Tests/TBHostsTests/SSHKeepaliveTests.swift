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

    /// What a host that hangs (with `ServerAliveInterval 1`, `ServerAliveCountMax 2`)
    /// makes of a command or transfer: its last keepalive answer arrived at most an
    /// interval before the hang, then two keepalives go unanswered, and the third
    /// interval ends the wait, 3 s after the host last spoke.
    private let hangMessage = "host dev2 unavailable: connection to dev2 lost: no answer for 3 s (2 keepalives unanswered)"

    /// Runs `body` on another thread, stops the host's sshd processes (SIGSTOP) once
    /// `hangWhen` says so, and returns what `body` ended with. The host is resumed and
    /// its connections killed afterwards. A wait of 60 s keeps a broken keepalive from
    /// hanging the test (the command's own deadline, 50 s, would end it with a different
    /// message).
    private func outcome(of body: @escaping @Sendable () throws -> Void, sshd: TestSSHD,
                         hangWhen: () -> Bool) -> String {
        let finished = expectation(description: "the command returns")
        let outcome = OutcomeBox()
        Thread.detachNewThread {
            outcome.set(Result { try body(); return 0 })
            finished.fulfill()
        }
        while !hangWhen() { usleep(1000) }
        sshd.signalConnections(SIGSTOP)
        wait(for: [finished], timeout: 60)
        sshd.signalConnections(SIGCONT)
        sshd.killConnections()
        switch outcome.get() {
        case .success: return "finished"
        case .failure(let error): return "\(error)"
        }
    }

    /// Runs `sleep 20` and hangs the host `seconds` into it: the command fails with the
    /// keepalive message, and the next command connects again.
    private func assertHangDetected(after seconds: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let (sshd, project, executor) = try host()
        defer { withExtendedLifetime(project) {} }   // its known_hosts is read on reconnecting
        XCTAssertEqual(try executor.run(command: "true", environment: [:], deadline: nil, output: CapturingSink()), 0)
        let started = ContinuousClock.now
        let message = outcome(of: {
            _ = try executor.run(command: "sleep 20", environment: [:], deadline: .now + .seconds(50),
                                 output: CapturingSink())
        }, sshd: sshd, hangWhen: { ContinuousClock.now - started >= .milliseconds(Int(seconds * 1000)) })
        XCTAssertEqual(message, hangMessage, file: file, line: line)

        let again = CapturingSink()
        XCTAssertEqual(try executor.run(command: "echo back", environment: [:], deadline: nil, output: again), 0,
                       file: file, line: line)
        XCTAssertEqual(again.text, "back\n", file: file, line: line)
    }

    func testAHostThatHangsHalfASecondIntoACommandFailsItAndTheNextCommandReconnects() throws {
        try assertHangDetected(after: 0.5)
    }

    /// The reproducer of issue 10: after the first keepalive answer, the wait for
    /// output spun without ever waiting on the socket, so no keepalive was sent again.
    func testAHostThatHangsThreeSecondsIntoACommandFailsIt() throws {
        try assertHangDetected(after: 3)
    }

    func testAHostThatHangsTenSecondsIntoACommandFailsIt() throws {
        try assertHangDetected(after: 10)
    }

    /// A host that hangs while a 100 MiB file is being put: the put waits for the
    /// host's acknowledgements and window adjustments, and keepalives are counted there
    /// as in any other wait; the next put connects again and copies the whole file.
    func testAHostThatHangsDuringAPutFailsItAndTheNextPutCopies() throws {
        let (sshd, project, executor) = try host()
        defer { withExtendedLifetime(project) {} }
        let size = 100 << 20
        var bytes = [UInt8](repeating: 0, count: size)
        for index in stride(from: 0, to: size, by: 4096) { bytes[index] = UInt8(truncatingIfNeeded: index >> 12) }
        try Data(bytes).write(to: URL(fileURLWithPath: project.path + "/big.img"))
        XCTAssertEqual(try executor.run(command: "true", environment: [:], deadline: nil, output: CapturingSink()), 0)

        // Hang once the copy (`.big.img.tbmake-tmp-…` in the remote HOME) holds 8 MiB.
        let message = outcome(of: { try executor.put(from: "big.img", to: "big.img") }, sshd: sshd, hangWhen: {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: sshd.home)) ?? []
            return names.contains { name in
                guard name.hasPrefix(".big.img.tbmake-tmp-") else { return false }
                let size = (try? FileManager.default.attributesOfItem(atPath: sshd.home + "/" + name)[.size]) as? Int
                return (size ?? 0) >= 8 << 20
            }
        })
        XCTAssertEqual(message, hangMessage)

        XCTAssertEqual(try executor.put(from: "big.img", to: "big.img"), .copied)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: sshd.home + "/big.img")), Data(bytes))
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
