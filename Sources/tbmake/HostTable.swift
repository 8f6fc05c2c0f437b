import TBEngine
import TBHosts
import TBStore
import TBTargetfile
#if canImport(Glibc)
import Glibc
#endif

/// The executor of every host a run uses, made on first use: the implicit `local`
/// host (the project directory); each declared host — by name or by pattern
/// (`host fit* = local`) — as a sandbox of the embedded testbed or, for
/// `ssh [user@]address[:port] [root=DIR] [via=GATEWAYS]`, a libssh2 connection (OpenSSH
/// client config honoured: `HostName`, `User`, `Port`, `IdentityFile`,
/// `UserKnownHostsFile`, `StrictHostKeyChecking`, `ConnectTimeout`,
/// `ServerAliveInterval`, `ServerAliveCountMax`, `ProxyJump`, `ProxyCommand`). Hosts
/// behind the same gateway share one connection to it. `-H NAME=SPEC` overrides a
/// declaration for one run. Used from the scheduler's thread only.
final class HostTable {
    /// How a host is reached.
    enum Spec: Equatable {
        case local
        /// `probe`: a command whose output is part of the host's identity. `via`: the
        /// gateways, as `ProxyJump` writes them (`[user@]host[:port]`, comma-separated).
        case ssh(user: String?, address: String, port: Int?, root: String?, probe: String?, via: String? = nil)
    }

    /// A host spec that cannot be read: one line naming it.
    struct SpecError: Error, CustomStringConvertible {
        var text: String
        var description: String {
            "invalid host '\(text)': expected 'local', 'ssh [USER@]ADDRESS[:PORT] [root=DIR] [via=GATEWAY] [probe=COMMAND]' or 'ssh://USER@ADDRESS:PORT'"
        }
    }

    private let projectDirectory: String
    private let implicit: LocalExecutor
    private var executors: [String: Executor] = [:]
    private var specs: [String: Spec] = [:]
    private let routes: [String: SSHRoute]
    private let digests: DigestCache
    /// Each gateway once, keyed by its route (`SSHRoute.Hop`s from the first).
    private var gateways: [[SSHRoute.Hop]: SSHGateway] = [:]

    /// - Parameters:
    ///   - specs: the spec of every host the graph uses, declarations and `-H` applied.
    ///   - routes: how each ssh host is reached (`routes(for:sshConfig:)`).
    ///   - digests: the run's digest cache, with which ssh hosts skip unchanged transfers.
    init(specs: [String: Spec], projectDirectory: String, routes: [String: SSHRoute], digests: DigestCache) {
        self.digests = digests
        self.specs = specs
        self.projectDirectory = projectDirectory
        self.routes = routes
        implicit = LocalExecutor(hostName: "local", projectDirectory: projectDirectory, sandboxed: false)
    }

    /// The executor of host `name`; nil names the implicit local host.
    func executor(for name: String?) -> Executor {
        guard let name else { return implicit }
        if let existing = executors[name] { return existing }
        let executor: Executor
        switch specs[name] ?? .local {
        case .local:
            executor = LocalExecutor(hostName: name, projectDirectory: projectDirectory, sandboxed: true)
        case .ssh(_, _, _, let root, let probe, _):
            guard let route = routes[name] else { preconditionFailure("no route to ssh host \(name)") }
            executor = SSHExecutor(hostName: name, destination: route.destination, options: route.options, root: root,
                                   probe: probe, projectDirectory: projectDirectory, digests: digests,
                                   gateway: gateway(route.gateways))
        }
        executors[name] = executor
        return executor
    }

    /// The gateway at the end of `hops`, made once for every host behind it.
    private func gateway(_ hops: [SSHRoute.Hop]) -> SSHGateway? {
        guard let last = hops.last else { return nil }
        if let existing = gateways[hops] { return existing }
        let made = SSHGateway(hop: last, via: gateway(Array(hops.dropLast())))
        gateways[hops] = made
        return made
    }

    /// How each ssh host of `specs` is reached, checked before the run starts: a
    /// `ProxyJump` loop or an unknown `ProxyCommand` token throws `SSHError`.
    static func routes(for specs: [String: Spec], sshConfig: SSHConfig) throws -> [String: SSHRoute] {
        var routes: [String: SSHRoute] = [:]
        for (name, spec) in specs {
            guard case .ssh(let user, let address, let port, _, _, let via) = spec else { continue }
            routes[name] = try sshConfig.route(alias: address, user: user, port: port, via: via)
        }
        return routes
    }

    /// `local`, `ssh [user@]address[:port] [root=DIR] [via=GATEWAYS] [probe=COMMAND]`, or
    /// `ssh://user@address:port`. `probe=` comes last: the rest of the line is the
    /// command. `via=` is a `ProxyJump` list (`[user@]host[:port]`, comma-separated).
    static func parse(_ text: String) throws -> Spec {
        var head = Substring(text)
        var probe: String?
        if let range = text.firstRange(of: " probe=") ?? text.firstRange(of: "\tprobe=") {
            head = text[..<range.lowerBound]
            probe = String(text[range.upperBound...].trimmingCharacters(in: [" ", "\t"]))
            guard !probe!.isEmpty else { throw SpecError(text: text) }
        }
        let words = head.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words == ["local"], probe == nil { return .local }
        var rest: [String]
        if let first = words.first, first.hasPrefix("ssh://") {
            rest = [String(first.dropFirst(6))] + words.dropFirst()
        } else if words.first == "ssh", words.count >= 2 {
            rest = Array(words.dropFirst())
        } else {
            throw SpecError(text: text)
        }
        var root: String?
        var via: String?
        while rest.count >= 2, let last = rest.last {
            if last.hasPrefix("root="), root == nil {
                root = String(last.dropFirst(5))
            } else if last.hasPrefix("via="), via == nil, last.count > 4 {
                via = String(last.dropFirst(4))
            } else {
                break
            }
            rest.removeLast()
        }
        guard rest.count == 1, !rest[0].isEmpty else { throw SpecError(text: text) }
        guard let (user, address, port) = SSHDestination.split(rest[0]) else { throw SpecError(text: text) }
        return .ssh(user: user, address: address, port: port, root: root, probe: probe, via: via)
    }

    /// The name among `names` nearest to `name` (fewest single-character edits, a swap
    /// of two neighbours counting as one), if it is near enough to be what was meant:
    /// at most 2 edits, and fewer than half of `name`'s characters.
    static func closest(to name: String, among names: [String]) -> String? {
        let target = Array(name)
        var best: (name: String, distance: Int)?
        for candidate in names {
            let distance = editDistance(target, Array(candidate))
            if distance <= 2, distance * 2 < max(target.count, 2), distance < best?.distance ?? .max {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of neighbours.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    /// OpenSSH client config: `path` (a missing or unreadable one is an error), else
    /// `~/.ssh/config` when it can be read, else none.
    static func sshConfig(path: String?) throws -> SSHConfig {
        if let path { return try SSHConfig(contentsOf: path, required: true) }
        return (try? SSHConfig(contentsOf: "~/.ssh/config")) ?? SSHConfig(text: "")
    }
}

private extension Substring {
    func trimmingCharacters(in set: Set<Character>) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
