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
        let directory: String
        let userKey: String
        let knownHosts: String
        let sshConfig: String
        var gateway: TestSSHD!
        var nodes: [TestSSHD] = []

        init(isolated: Bool) throws {
            self.isolated = isolated
            let tag = String(getpid() % 100_000)
            gatewayNamespace = "tbgw\(tag)"
            nodesNamespace = "tbnodes\(tag)"
            outerLink = "tbg\(tag)a"
            var template = Array("/tmp/tbmake-gateway-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            directory = String(cString: made)
            userKey = directory + "/user_ed25519"
            knownHosts = directory + "/known_hosts"
            sshConfig = directory + "/ssh_config"
            try TestSSHD.keygen(userKey)
            if isolated { try makeNamespaces(tag: tag) }
            let addresses = isolated ? ["10.200.1.2", "10.200.2.2", "10.200.2.3"] : ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
            gateway = try TestSSHD(directory: directory + "/gw", userKey: userKey, address: addresses[0],
                                   namespace: isolated ? gatewayNamespace : nil)
            for (index, address) in addresses.dropFirst().enumerated() {
                nodes.append(try TestSSHD(directory: directory + "/node\(index + 1)", userKey: userKey,
                                          address: address, namespace: isolated ? nodesNamespace : nil))
            }
            try ([gateway] + nodes).map { try $0.knownHostsLine() }.joined()
                .write(toFile: knownHosts, atomically: true, encoding: .utf8)
            var config = ""
            for (name, server, jump) in [("gw", gateway!, nil), ("node1", nodes[0], "gw"), ("node2", nodes[1], nil)] {
                config += "Host \(name)\n  HostName \(server.address)\n  Port \(server.port)\n  User root\n"
                config += "  IdentityFile \(userKey)\n  UserKnownHostsFile \(knownHosts)\n  ConnectTimeout 5\n"
                if let jump { config += "  ProxyJump \(jump)\n" }
            }
            try config.write(toFile: sshConfig, atomically: true, encoding: .utf8)
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
            gateway?.stop()
            for node in nodes { node.stop() }
            if isolated {
                _ = try? Self.ip(["link", "del", outerLink])
                _ = try? Self.ip(["netns", "del", gatewayNamespace])
                _ = try? Self.ip(["netns", "del", nodesNamespace])
            }
            try? FileManager.default.removeItem(atPath: directory)
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
                                                                      "-o", "BatchMode=yes", "node2", "true"]))
        }
        let project = try Project(targetfile: """
            host node1 = ssh node1 root=\(testbed.nodes[0].home)
            host node2 = ssh node2 root=\(testbed.nodes[1].home) via=gw
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
            host node1 = ssh node1 root=\(testbed.nodes[0].home)
            host node2 = ssh node2 root=\(testbed.nodes[1].home) via=gw
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
                                          + "gateway gw: connection lost: ") ?? false, result.stderr)
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
        let refused = "gateway gw: cannot connect to \(testbed.gateway.address):\(testbed.gateway.port): Connection refused"
        for (target, host) in [("one", "node1"), ("two", "node2")] {
            XCTAssertTrue(down.stderr.contains("tbmake: \(target) failed: host \(host) unavailable: \(refused)\n"), down.stderr)
        }
    }

    /// `ProxyCommand` (here OpenSSH's own `ssh -W %h:%p gw`) carries a node's session.
    func testProxyCommandCarriesTheSession() throws {
        let testbed = try makeTestbed()
        var config = try String(contentsOfFile: testbed.sshConfig, encoding: .utf8)
        config += "Host node3\n  HostName \(testbed.nodes[1].address)\n  Port \(testbed.nodes[1].port)\n  User root\n"
        config += "  IdentityFile \(testbed.userKey)\n  UserKnownHostsFile \(testbed.knownHosts)\n"
        config += "  ProxyCommand /usr/bin/ssh -F \(testbed.sshConfig) -o BatchMode=yes -W %h:%p gw\n"
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
