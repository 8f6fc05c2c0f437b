import Foundation
import TBTestSupport
import XCTest

/// The ssh server of one host dies in the middle of a command (its per-connection sshd
/// killed): that target fails with one line naming the host and records no trace, the
/// other host's target is unaffected, and a target with `retry` connects again.
final class DroppedConnectionTests: XCTestCase {
    private var hosts: LoopbackHosts!
    private var project: Project!

    override func setUpWithError() throws {
        hosts = try LoopbackHosts(["dev2", "prod"])
        project = try Project(targetfile: """
            host dev2 = ssh dev2box root=\(hosts.directory)/dev2
            host prod = ssh prodbox root=\(hosts.directory)/prod
            slow:
                host dev2
                run echo started > $(root)/started; sleep 5; echo done > $(root)/done
            other:
                host prod
                run sleep 1; echo ok > $(root)/ok
            patient:
                host dev2
                retry 1
                run if [ ! -e $(root)/attempted ]; then touch $(root)/attempted; echo started > $(root)/started; sleep 5; fi
                run echo ok > $(root)/patient
            all: slow other
            """)
    }

    override func tearDown() {
        hosts = nil
        project = nil
    }

    private func start(_ arguments: String...) throws -> RunningTBMake {
        try RunningTBMake(binary: "/usr/bin/env",
                          arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                      "--ssh-config", hosts.sshConfig] + arguments)
    }

    /// Waits for the dev2 recipe to be running, then kills dev2's connections.
    private func dropDev2WhenStarted() {
        let started = hosts.directory + "/dev2/started"
        _ = waitUntil("the dev2 recipe runs") { FileManager.default.fileExists(atPath: started) }
        hosts["dev2"].killConnections()
    }

    func testTheTargetOnTheDroppedHostFailsAloneAndRunsAgainNextTime() throws {
        let running = try start("-k", "-j2", "all")
        dropDev2WhenStarted()
        let result = try running.wait()
        XCTAssertEqual(result.status, 1, "\(result)")
        let failures = result.stderr.split(separator: "\n").filter { $0.contains("failed") }
        XCTAssertEqual(failures.count, 1, result.stderr)
        XCTAssertTrue(failures.first?.hasPrefix("tbmake: slow failed: host dev2 unavailable: connection to dev2 lost") ?? false,
                      result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: hosts.directory + "/dev2/done"))
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/prod/ok", encoding: .utf8), "ok\n")

        // No trace was recorded for slow: it runs again (and now completes); other does not.
        let again = try start("--json", "all").wait()
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.started(), ["slow"])
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/dev2/done", encoding: .utf8), "done\n")
    }

    /// Issue 10: with `ServerAliveInterval 1` and `ServerAliveCountMax 2`, dev2's sshd
    /// stopped (SIGSTOP, nothing closed) 3 s into a `sleep 20`: the attempt fails on the
    /// third silent second with the keepalive message, and `retry` connects again.
    func testAHostThatHangsMidCommandFailsTheAttemptAndRetryConnectsAgain() throws {
        try hosts.writeConfig(extra: ["dev2": ["ServerAliveInterval 1", "ServerAliveCountMax 2"]])
        try project.write("Targetfile", """
            host dev2 = ssh dev2box root=\(hosts.directory)/dev2
            hanging:
                host dev2
                retry 1
                run if [ ! -e $(root)/attempted ]; then touch $(root)/attempted; echo started > $(root)/started; sleep 20; fi
                run echo ok > $(root)/hanging
            """)
        let running = try start("hanging")
        defer { if running.process.isRunning { kill(running.pid, SIGKILL) } }
        let started = hosts.directory + "/dev2/started"
        _ = waitUntil("the dev2 recipe runs") { FileManager.default.fileExists(atPath: started) }
        usleep(3_000_000)
        hosts["dev2"].signalConnections(SIGSTOP)
        // A guard only: a keepalive that never gives up would leave tbmake waiting 20 s
        // for the sleep, then for ever (the stopped sshd never reports its end).
        let ended = waitUntil("tbmake ends", limit: 60) { !running.process.isRunning }
        hosts["dev2"].signalConnections(SIGCONT)
        guard ended else { return }
        let result = try running.wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/dev2/hanging", encoding: .utf8), "ok\n")
        let log = try project.read(".tbmake/logs/hanging.log")
        XCTAssertTrue(log.contains("tbmake: host dev2 unavailable: connection to dev2 lost: "
                                   + "no answer for 3 s (2 keepalives unanswered)\ntbmake: attempt 2 of 2\n"), log)
    }

    func testRetryConnectsAgain() throws {
        let running = try start("patient")
        dropDev2WhenStarted()
        let result = try running.wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/dev2/patient", encoding: .utf8), "ok\n")
        let log = try project.read(".tbmake/logs/patient.log")
        XCTAssertTrue(log.contains("tbmake: host dev2 unavailable: connection to dev2 lost"), log)
        XCTAssertTrue(log.contains("tbmake: attempt 2 of 2\n"), log)
    }
}
