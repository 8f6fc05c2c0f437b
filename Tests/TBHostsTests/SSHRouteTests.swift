import TBHosts
import XCTest

/// `SSHConfig.route`: gateways from `ProxyJump` (or `via=`), `ProxyCommand` tokens, loops.
final class SSHRouteTests: XCTestCase {
    private let text = """
        Host node*
            HostName 10.0.0.%h
            User root
            ProxyJump admin@gw.lab:2222
        Host gw.lab
            HostName 192.0.2.1
        Host inner
            ProxyJump outer
        Host deep
            ProxyJump inner,gw.lab
        Host piped
            HostName 10.1.1.1
            Port 2200
            User pi
            ProxyCommand nc -x proxy:1080 %h %p %r
        Host bad
            ProxyCommand connect %z %h
        """

    func testProxyJumpNamesTheGatewayResolvedThroughTheConfig() throws {
        let route = try SSHConfig(text: text, file: "cfg").route(alias: "node7")
        XCTAssertEqual(route.destination, SSHDestination(user: "root", address: "10.0.0.node7", port: 22))
        XCTAssertEqual(route.gateways.map(\.name), ["admin@gw.lab:2222"])
        XCTAssertEqual(route.gateways[0].destination, SSHDestination(user: "admin", address: "192.0.2.1", port: 2222))
    }

    func testAChainReachesEachHopThroughTheOnesBefore() throws {
        // deep: inner then gw.lab; inner itself is reached through outer (its own ProxyJump).
        let route = try SSHConfig(text: text, file: "cfg").route(alias: "deep", user: "u")
        XCTAssertEqual(route.gateways.map(\.name), ["outer", "inner", "gw.lab"])
        XCTAssertEqual(route.gateways.map(\.destination.address), ["outer", "inner", "192.0.2.1"])
    }

    func testViaWinsOverTheConfigAndNoneMeansDirect() throws {
        let config = SSHConfig(text: text, file: "cfg")
        XCTAssertEqual(try config.route(alias: "node1", via: "root@10.9.9.9").gateways.map(\.destination),
                       [SSHDestination(user: "root", address: "10.9.9.9", port: 22)])
        XCTAssertEqual(try config.route(alias: "node1", via: "none").gateways, [])
        XCTAssertThrowsError(try config.route(alias: "node1", via: "root@gw:port")) { error in
            XCTAssertEqual("\(error)", "ssh config via=: bad ProxyJump hop 'root@gw:port': expected [user@]host[:port]")
        }
    }

    func testProxyCommandTokensAreExpanded() throws {
        let route = try SSHConfig(text: text, file: "cfg").route(alias: "piped")
        XCTAssertEqual(route.options.proxyCommand, "nc -x proxy:1080 10.1.1.1 2200 pi")
        XCTAssertEqual(route.gateways, [])
    }

    func testAnUnknownProxyCommandTokenNamesTheFileAndLine() {
        XCTAssertThrowsError(try SSHConfig(text: text, file: "/etc/cfg").route(alias: "bad")) { error in
            XCTAssertEqual("\(error)", "ssh config /etc/cfg:17: unknown token %z in ProxyCommand (known: %h %p %r %n %%)")
        }
    }

    func testALoopNamesTheLineThatCloses() {
        let config = SSHConfig(text: "Host a\n  ProxyJump b\nHost b\n  ProxyJump c\nHost c\n  ProxyJump a\n", file: "cfg")
        XCTAssertThrowsError(try config.route(alias: "a")) { error in
            XCTAssertEqual("\(error)", "ssh config cfg:6: ProxyJump loop: a -> b -> c -> a")
        }
        let selfLoop = SSHConfig(text: "Host a\n  ProxyJump x,a\n", file: "cfg")
        XCTAssertThrowsError(try selfLoop.route(alias: "a")) { error in
            XCTAssertEqual("\(error)", "ssh config cfg:2: ProxyJump loop: a -> a")
        }
    }
}
