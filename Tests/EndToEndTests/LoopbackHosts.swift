import Foundation
import TBTestSupport
import XCTest

/// Hosts reached over ssh on 127.0.0.1 for the end-to-end tests: one directory
/// holding a user key (ed25519), one `TestSSHD` per host name (its own port and
/// host key), a known_hosts file listing them, and an ssh_config naming each host
/// `<name>box` (HostName, Port, User, IdentityFile, UserKnownHostsFile). Everything
/// is stopped and removed on deinit.
final class LoopbackHosts {
    let directory: String
    let userKey: String
    let knownHosts: String
    let sshConfig: String
    private(set) var servers: [String: TestSSHD] = [:]

    /// `placement[name]`: the address (and network namespace) that host's sshd listens
    /// on; 127.0.0.1 and this process's namespace otherwise.
    init(_ names: [String], placement: [String: (address: String, namespace: String?)] = [:]) throws {
        var template = Array("/tmp/tbmake-sshe2e-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        userKey = directory + "/user_ed25519"
        knownHosts = directory + "/known_hosts"
        sshConfig = directory + "/ssh_config"
        try TestSSHD.keygen(userKey)
        for name in names {
            let place = placement[name] ?? ("127.0.0.1", nil)
            servers[name] = try TestSSHD(directory: directory + "/sshd-" + name, userKey: userKey,
                                         address: place.address, namespace: place.namespace)
        }
        try writeKnownHosts(names)
        try writeConfig()
    }

    deinit {
        for server in servers.values { server.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    subscript(name: String) -> TestSSHD { servers[name]! }

    /// known_hosts holding the current key of each of `names`, in that order.
    func writeKnownHosts(_ names: [String]) throws {
        try names.map { try self[$0].knownHostsLine() }.joined().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    /// The ssh_config: `Host <name>box` for each server; `extra[name]` lines are added
    /// to that host's block; `identityFile` replaces the user key.
    func writeConfig(extra: [String: [String]] = [:], identityFile: String? = nil) throws {
        var text = ""
        for name in servers.keys.sorted() {
            text += "Host \(name)box\n  HostName \(self[name].address)\n  Port \(self[name].port)\n  User root\n"
            text += "  IdentityFile \(identityFile ?? userKey)\n  UserKnownHostsFile \(knownHosts)\n"
            for line in extra[name] ?? [] { text += "  \(line)\n" }
        }
        try text.write(toFile: sshConfig, atomically: true, encoding: .utf8)
    }
}
