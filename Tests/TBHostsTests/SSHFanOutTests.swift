import Foundation
import TBEngine
import TBHosts
import TBTestSupport
import XCTest

/// Many hosts at once: handshakes throttled and retried when the server drops them,
/// idle connections kept alive by one thread for all.
final class SSHFanOutTests: XCTestCase {
    private func executors(_ count: Int, _ sshd: TestSSHD, _ project: TemporaryDirectory) throws -> [SSHExecutor] {
        let knownHosts = project.path + "/known_hosts"
        try sshd.knownHostsLine().write(toFile: knownHosts, atomically: true, encoding: .utf8)
        return (1...count).map { index in
            SSHExecutor(hostName: "h\(index)", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
                        options: SSHOptions(identityFiles: [sshd.userKey], knownHostsFile: knownHosts, connectTimeout: 20,
                                            useAgent: false, serverAliveInterval: 1),
                        projectDirectory: project.path)
        }
    }

    /// Connects every executor at once, one thread each; the failures' messages.
    private func connectAll(_ executors: [SSHExecutor]) -> [String] {
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var messages: [String] = []
        }
        let failures = Failures()
        let group = DispatchGroup()
        for executor in executors {
            group.enter()
            Thread.detachNewThread {
                do { _ = try executor.identity() } catch {
                    failures.lock.lock(); failures.messages.append("\(error)"); failures.lock.unlock()
                }
                group.leave()
            }
        }
        group.wait()
        return failures.messages
    }

    private var threadCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    /// `MaxStartups 3:100:3` drops every unauthenticated connection beyond 3: 24 hosts
    /// connecting at once (8 handshakes in flight) all get in, the dropped handshakes
    /// tried again after a pause.
    func testHandshakesDroppedByMaxStartupsAreRetried() throws {
        let sshd = try TestSSHD(extraConfig: ["MaxStartups 3:100:3"])
        let project = try TemporaryDirectory()
        let hosts = try executors(24, sshd, project)
        XCTAssertEqual(connectAll(hosts), [])
        // The server did drop some: the retries were needed.
        let log = try String(contentsOfFile: sshd.log, encoding: .utf8)
        XCTAssertTrue(log.contains("drop connection"), "")
        XCTAssertEqual(log.components(separatedBy: "Accepted publickey for root").count - 1, 24)
    }

    /// 40 idle connections: no thread of their own (one keepalive thread for all).
    func testIdleConnectionsShareOneKeepaliveThread() throws {
        let sshd = try TestSSHD()
        let project = try TemporaryDirectory()
        let hosts = try executors(40, sshd, project)
        XCTAssertEqual(connectAll(Array(hosts.prefix(1))), [])
        usleep(300_000)
        let withOne = threadCount
        XCTAssertEqual(connectAll(Array(hosts.dropFirst())), [])
        usleep(300_000)
        XCTAssertEqual(threadCount, withOne, "threads grew with the number of connections")
        // Keepalives do go out while they are idle (every second): the connections stay usable.
        sleep(2)
        for host in hosts.prefix(3) {
            XCTAssertEqual(try host.identity(), try hosts[0].identity())
        }
    }
}
