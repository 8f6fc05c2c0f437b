import Foundation
import TBEngine
import TBHosts
import TBTestSupport
import XCTest

/// Connecting fails in one line naming the host: an address DNS does not know, and a
/// server that never answers (within `ConnectTimeout`), whether the TCP connection is
/// accepted and the ssh banner never comes, or the TCP connection itself gets no answer.
final class SSHConnectFailureTests: XCTestCase {
    private func executor(address: String, port: Int) -> SSHExecutor {
        SSHExecutor(hostName: "dev2", destination: SSHDestination(user: "root", address: address, port: port),
                    options: SSHOptions(identityFiles: ["/nonexistent"], knownHostsFile: "/nonexistent",
                                        connectTimeout: 1, useAgent: false))
    }


    func testAnAddressThatDoesNotResolveIsNamed() {
        let message = thrownMessage { try executor(address: "no-such-host.invalid", port: 22).prepare() }
        XCTAssertTrue(message.hasPrefix("host dev2 unavailable: cannot resolve no-such-host.invalid: "), message)
        XCTAssertFalse(message.contains("\n"), message)
    }

    func testASilentServerTimesOutAtTheConnectTimeout() throws {
        // A listener that never accepts and whose queue (backlog 0: one connection) fills
        // up: the first connection completes but no banner ever comes; the kernel drops
        // the next one's SYNs, so its TCP connect gets no answer.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(listener, pointer, length) == 0 else { return -1 }
                return getsockname(listener, pointer, &length)
            }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 0), 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let expected = "host dev2 unavailable: cannot connect to 127.0.0.1:\(port): no answer within 1s"
        XCTAssertEqual(thrownMessage { try executor(address: "127.0.0.1", port: port).prepare() }, expected, "no banner")
        XCTAssertEqual(thrownMessage { try executor(address: "127.0.0.1", port: port).prepare() }, expected, "no SYN-ACK")
    }
}
