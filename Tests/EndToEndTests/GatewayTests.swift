import Foundation
import TBTestSupport
import XCTest

/// Nodes behind a gateway, as a testbed's are: the nodes' sshd run in a network
/// namespace that this machine cannot reach; only a dual-homed gateway sshd (its own
/// namespace, one leg towards this machine, one towards the nodes) can. tbmake reaches
/// the nodes through one connection to the gateway (`ProxyJump` in the ssh config, or
/// `via=` in the host declaration).
final class GatewayTests: XCTestCase {
    /// Two namespaces and their links, removed on deinit: `gateway` (10.200.1.2, and
    /// 10.200.2.1 towards the nodes) and `nodes` (10.200.2.2 and 10.200.2.3). Where
    /// namespaces cannot be made (`isolated` false), the gateway listens on 127.0.0.1 and
    /// the nodes on 127.0.0.2 and 127.0.0.3: the same path, but this machine could
    /// reach the nodes itself.
    final class Testbed {
        let isolated: Bool
        let gatewayNamespace: String
        let nodesNamespace: String
        let outerLink: String
        /// `gw`, `node1`, `node2`: reached as `gwbox`, `node1box` (through `gwbox`, by
        /// `ProxyJump`) and `node2box` (directly, unless told `via=gwbox`).
        var hosts: LoopbackHosts!
        var gateway: TestSSHD { hosts["gw"] }
        var nodes: [TestSSHD] { [hosts["node1"], hosts["node2"]] }
        var sshConfig: String { hosts.sshConfig }

        init(isolated: Bool) throws {
            self.isolated = isolated
            let tag = String(getpid() % 100_000)
            gatewayNamespace = "tbgw\(tag)"
            nodesNamespace = "tbnodes\(tag)"
            outerLink = "tbg\(tag)a"
            if isolated { try makeNamespaces(tag: tag) }
            let placement: [String: (address: String, namespace: String?)] = isolated
                ? ["gw": ("10.200.1.2", gatewayNamespace), "node1": ("10.200.2.2", nodesNamespace),
                   "node2": ("10.200.2.3", nodesNamespace)]
                : ["gw": ("127.0.0.1", nil), "node1": ("127.0.0.2", nil), "node2": ("127.0.0.3", nil)]
            hosts = try LoopbackHosts(["gw", "node1", "node2"], placement: placement)
            try hosts.writeConfig(extra: ["gw": ["ConnectTimeout 5"], "node1": ["ConnectTimeout 5", "ProxyJump gwbox"],
                                          "node2": ["ConnectTimeout 5"]])
        }

        private func makeNamespaces(tag: String) throws {
            let g = gatewayNamespace, n = nodesNamespace, inner = "tbg\(tag)b", nodeIn = "tbn\(tag)a", nodeOut = "tbn\(tag)b"
            try Self.ip(["netns", "add", g])
            try Self.ip(["netns", "add", n])
            try Self.ip(["link", "add", outerLink, "type", "veth", "peer", "name", inner])
            try Self.ip(["link", "set", inner, "netns", g])
            try Self.ip(["addr", "add", "10.200.1.1/24", "dev", outerLink])
            try Self.ip(["link", "set", outerLink, "up"])
            try Self.ip(["-n", g, "addr", "add", "10.200.1.2/24", "dev", inner])
            try Self.ip(["-n", g, "link", "set", inner, "up"])
            try Self.ip(["-n", g, "link", "set", "lo", "up"])
            try Self.ip(["-n", g, "link", "add", nodeIn, "type", "veth", "peer", "name", nodeOut])
            try Self.ip(["-n", g, "link", "set", nodeOut, "netns", n])
            try Self.ip(["-n", g, "addr", "add", "10.200.2.1/24", "dev", nodeIn])
            try Self.ip(["-n", g, "link", "set", nodeIn, "up"])
            try Self.ip(["-n", n, "addr", "add", "10.200.2.2/24", "dev", nodeOut])
            try Self.ip(["-n", n, "addr", "add", "10.200.2.3/24", "dev", nodeOut])
            try Self.ip(["-n", n, "link", "set", nodeOut, "up"])
            try Self.ip(["-n", n, "link", "set", "lo", "up"])
        }

        deinit {
            // The servers go before their namespaces.
            for server in hosts?.servers.values.map({ $0 }) ?? [] { server.stop() }
            if isolated {
                _ = try? Self.ip(["link", "del", outerLink])
                _ = try? Self.ip(["netns", "del", gatewayNamespace])
                _ = try? Self.ip(["netns", "del", nodesNamespace])
            }
        }

        @discardableResult
        static func ip(_ arguments: [String]) throws -> String {
            try TestProcess.run("/usr/sbin/ip", arguments)
        }

        /// Namespaces can be made here (root, `ip`, a kernel that allows them), and
        /// `TBMAKE_TEST_NO_NETNS` does not ask for the loopback fallback.
        static var available: Bool {
            guard getenv("TBMAKE_TEST_NO_NETNS") == nil, getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return false }
            let probe = "tbprobe\(getpid() % 100_000)"
            guard (try? ip(["netns", "add", probe])) != nil else { return false }
            _ = try? ip(["netns", "del", probe])
            return true
        }
    }

    private func tbmake(_ project: Project, _ testbed: Testbed, _ arguments: [String]) throws -> RunningTBMake {
        try RunningTBMake(binary: "/usr/bin/env",
                          arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                      "--ssh-config", testbed.sshConfig] + arguments)
    }

    private func makeTestbed() throws -> Testbed {
        guard Testbed.available else {
            print("GatewayTests: network namespaces cannot be made here (needs root and `ip netns`): "
                  + "the nodes listen on 127.0.0.2 and 127.0.0.3 instead, which this machine could also reach directly")
            return try Testbed(isolated: false)
        }
        return try Testbed(isolated: true)
    }

    func testTwoNodesBehindAGatewayAreReachedThroughIt() throws {
        let testbed = try makeTestbed()
        // This machine has no route to the nodes: only the gateway reaches them.
        if testbed.isolated {
            XCTAssertThrowsError(try TestProcess.run("/usr/bin/ssh", ["-F", testbed.sshConfig, "-o", "ProxyJump=none",
                                                                      "-o", "BatchMode=yes", "node2box", "true"]))
        }
        let project = try Project(targetfile: """
            host node1 = ssh node1box root=\(testbed.nodes[0].home)
            host node2 = ssh node2box root=\(testbed.nodes[1].home) via=gwbox
            one:
                host node1
                run echo "$SSH_CONNECTION" > seen.txt
            two:
                host node2
                run echo "$SSH_CONNECTION" > seen.txt
            both: one two
            """)
        let result = try tbmake(project, testbed, ["--json", "both"]).wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(Set(result.started()), ["one", "two"])
        // Each node saw a connection from the gateway's inner leg.
        for (index, node) in testbed.nodes.enumerated() {
            let seen = try String(contentsOfFile: node.home + "/seen.txt", encoding: .utf8).split(separator: " ")
            if testbed.isolated { XCTAssertEqual(seen.first, "10.200.2.1", "node\(index + 1)") }
            XCTAssertEqual(seen.dropFirst(2).first.map(String.init), node.address)
        }
        // One connection to the gateway carried both nodes' sessions.
        let gatewayLog = try String(contentsOfFile: testbed.gateway.log, encoding: .utf8)
        XCTAssertEqual(gatewayLog.components(separatedBy: "Accepted publickey for root").count - 1, 1, gatewayLog)
    }

    func testAGatewayKilledMidRunFailsOnlyTheTargetsBehindIt() throws {
        let testbed = try makeTestbed()
        let project = try Project(targetfile: """
            host node1 = ssh node1box root=\(testbed.nodes[0].home)
            host node2 = ssh node2box root=\(testbed.nodes[1].home) via=gwbox
            one:
                host node1
                run sleep 5; echo one > one.txt
            two:
                host node2
                run sleep 5; echo two > two.txt
            here:
                run sleep 2; echo here > here.txt
            all: one two here
            """)
        let running = try tbmake(project, testbed, ["-k", "all"])
        // Both nodes' commands are running when the gateway goes.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !testbed.nodes.allSatisfy({ server in
            ((try? String(contentsOfFile: server.log, encoding: .utf8)) ?? "").contains("Accepted publickey")
        }) { usleep(50_000) }
        usleep(500_000)
        testbed.gateway.killConnections()
        let result = try running.wait()
        XCTAssertEqual(result.status, 1, "\(result)")
        let failures = result.stderr.split(separator: "\n").filter { $0.contains(" failed: ") }
        XCTAssertEqual(failures.count, 2, result.stderr)
        for (target, host) in [("one", "node1"), ("two", "node2")] {
            let line = failures.first { $0.hasPrefix("tbmake: \(target) failed: ") }
            XCTAssertNotNil(line, result.stderr)
            XCTAssertTrue(line?.hasPrefix("tbmake: \(target) failed: host \(host) unavailable: connection to \(host) lost: "
                                          + "gateway gwbox: connection lost: ") ?? false, result.stderr)
        }
        XCTAssertEqual(try String(contentsOfFile: project.path + "/here.txt", encoding: .utf8), "here\n")

        // The next run connects to the gateway again.
        let again = try tbmake(project, testbed, ["all"]).wait()
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(try String(contentsOfFile: testbed.nodes[1].home + "/two.txt", encoding: .utf8), "two\n")

        // A gateway that is down fails its nodes' targets, one line each naming it.
        testbed.gateway.stop()
        let down = try tbmake(project, testbed, ["-k", "-B", "one", "two"]).wait()
        XCTAssertEqual(down.status, 1, "\(down)")
        let refused = "gateway gwbox: cannot connect to \(testbed.gateway.address):\(testbed.gateway.port): Connection refused"
        for (target, host) in [("one", "node1"), ("two", "node2")] {
            XCTAssertTrue(down.stderr.contains("tbmake: \(target) failed: host \(host) unavailable: \(refused)\n"), down.stderr)
        }
    }

    /// `ProxyCommand` (here OpenSSH's own `ssh -W %h:%p gwbox`) carries a node's session.
    func testProxyCommandCarriesTheSession() throws {
        let testbed = try makeTestbed()
        var config = try String(contentsOfFile: testbed.sshConfig, encoding: .utf8)
        config += "Host node3\n  HostName \(testbed.nodes[1].address)\n  Port \(testbed.nodes[1].port)\n  User root\n"
        config += "  IdentityFile \(testbed.hosts.userKey)\n  UserKnownHostsFile \(testbed.hosts.knownHosts)\n"
        config += "  ProxyCommand /usr/bin/ssh -F \(testbed.sshConfig) -o BatchMode=yes -W %h:%p gwbox\n"
        try config.write(toFile: testbed.sshConfig, atomically: true, encoding: .utf8)
        let project = try Project(targetfile: """
            host node3 = ssh node3 root=\(testbed.nodes[1].home)
            three:
                host node3
                run echo "$SSH_CONNECTION" > seen3.txt
            """)
        let result = try tbmake(project, testbed, ["three"]).wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        let seen = try String(contentsOfFile: testbed.nodes[1].home + "/seen3.txt", encoding: .utf8).split(separator: " ")
        XCTAssertEqual(seen.dropFirst(2).first.map(String.init), testbed.nodes[1].address)
        if testbed.isolated { XCTAssertEqual(seen.first, "10.200.2.1") }
    }

    /// A `ProxyJump` loop is refused before anything runs: the ssh config's file and line, exit 2.
    func testAProxyJumpLoopIsAnErrorNamingTheConfigLine() throws {
        let directory = NSTemporaryDirectory() + "tbmake-jumploop-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/ssh_config"
        try "Host a\n  ProxyJump b\nHost b\n  ProxyJump root@a:2222\n".write(toFile: config, atomically: true, encoding: .utf8)
        let project = try Project(targetfile: """
            host a = ssh a
            t:
                host a
                run true
            """)
        let result = try RunningTBMake(binary: try TBMakeBinary.path(),
                                       arguments: ["-C", project.path, "--ssh-config", config, "t"]).wait()
        XCTAssertEqual(result.status, 2, "\(result)")
        XCTAssertEqual(result.stderr, "tbmake: ssh config \(config):4: ProxyJump loop: a -> b -> a\n")
    }
}
