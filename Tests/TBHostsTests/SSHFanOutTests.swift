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

    /// Hosts that accept TCP but never answer (a listener nobody accepts on) fail after
    /// `ConnectTimeout` with one line each, and do not hold up a host that answers.
    func testSilentHostsFailAfterConnectTimeoutWithoutHoldingOthersUp() throws {
        let sshd = try TestSSHD()
        let project = try TemporaryDirectory()
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(silent, 64), 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &length) }
        }
        let silentPort = Int(UInt16(bigEndian: address.sin_port))
        let answering = try executors(1, sshd, project)[0]
        let quiet = (1...12).map { index in
            SSHExecutor(hostName: "q\(index)", destination: SSHDestination(user: "root", address: "127.0.0.1", port: silentPort),
                        options: SSHOptions(identityFiles: [sshd.userKey], connectTimeout: 1, useAgent: false),
                        projectDirectory: project.path)
        }
        let start = Date()
        final class Finish: @unchecked Sendable { var at: Date? }
        let answered = Finish()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            _ = try? answering.identity()
            answered.at = Date()
            group.leave()
        }
        let failures = connectAll(quiet)
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(failures.count, 12)
        XCTAssertEqual(Set(failures), Set((1...12).map {
            "host q\($0) unavailable: cannot connect to 127.0.0.1:\(silentPort): no answer within 1s"
        }))
        // 12 silent hosts of one server, 8 handshakes at once: two rounds of ConnectTimeout.
        XCTAssertLessThan(elapsed, 3.5)
        XCTAssertLessThan(answered.at!.timeIntervalSince(start), 0.9)
    }
}
