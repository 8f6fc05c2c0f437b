import Foundation
import XCTest

/// `wait DURATION` over ssh: a target whose host is down (a node rebooting) waits until
/// its sshd answers, printing one line per attempt, then runs.
final class WaitForHostTests: XCTestCase {
    func testATargetWaitsForItsHostToComeBack() throws {
        let hosts = try LoopbackHosts(["node"])
        let project = try Project(targetfile: """
            host node = ssh nodebox root=\(hosts.directory)/remote-node
            ssh-node:
                host node
                wait 60s
                run echo up > $(root)/up.txt
            """)
        hosts["node"].stop()
        let running = try RunningTBMake(binary: "/usr/bin/env",
                                        arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                                    "--ssh-config", hosts.sshConfig, "ssh-node"])
        // Let it fail to connect at least once, then bring the host back.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if running.stdoutSoFar.contains("waiting for host node") { break }
            usleep(50_000)
        }
        try hosts["node"].start()
        let result = try running.wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdout.contains("tbmake: ssh-node: waiting for host node (attempt 1): host node unavailable: cannot connect to 127.0.0.1:"),
                      result.stdout)
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/remote-node/up.txt", encoding: .utf8), "up\n")
    }
}
