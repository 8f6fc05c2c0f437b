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
/// `ssh [user@]address[:port] [root=DIR]`, a libssh2 connection (OpenSSH client config
/// honoured: `HostName`, `User`, `Port`, `IdentityFile`, `UserKnownHostsFile`,
/// `StrictHostKeyChecking`, `ConnectTimeout`, `ServerAliveInterval`,
/// `ServerAliveCountMax`). `-H NAME=SPEC` overrides a declaration
/// for one run. Used from the scheduler's thread only.
final class HostTable {
    /// How a host is reached.
    enum Spec: Equatable {
        case local
        /// `probe`: a command whose output is part of the host's identity.
        case ssh(user: String?, address: String, port: Int?, root: String?, probe: String?)
    }

    /// A host spec that cannot be read: one line naming it.
    struct SpecError: Error, CustomStringConvertible {
        var text: String
        var description: String {
            "invalid host '\(text)': expected 'local', 'ssh [USER@]ADDRESS[:PORT] [root=DIR] [probe=COMMAND]' or 'ssh://USER@ADDRESS:PORT'"
        }
    }

    private let projectDirectory: String
    private let implicit: LocalExecutor
    private var executors: [String: Executor] = [:]
    private var specs: [String: Spec] = [:]
    private let sshConfig: SSHConfig
    private let digests: DigestCache

    /// - Parameters:
    ///   - specs: the spec of every host the graph uses, declarations and `-H` applied.
    ///   - sshConfig: OpenSSH client config to resolve aliases with.
    ///   - digests: the run's digest cache, with which ssh hosts skip unchanged transfers.
    init(specs: [String: Spec], projectDirectory: String, sshConfig: SSHConfig, digests: DigestCache) {
        self.digests = digests
        self.specs = specs
        self.projectDirectory = projectDirectory
        self.sshConfig = sshConfig
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
        case .ssh(let user, let address, let port, let root, let probe):
            let (destination, options) = sshConfig.resolve(alias: address, user: user, port: port)
            executor = SSHExecutor(hostName: name, destination: destination, options: options, root: root, probe: probe,
                                   projectDirectory: projectDirectory, digests: digests)
        }
        executors[name] = executor
        return executor
    }

    /// `local`, `ssh [user@]address[:port] [root=DIR] [probe=COMMAND]`, or
    /// `ssh://user@address:port`. `probe=` comes last: the rest of the line is the command.
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
        if let last = rest.last, last.hasPrefix("root="), rest.count == 2 {
            root = String(last.dropFirst(5))
            rest.removeLast()
        }
        guard rest.count == 1, !rest[0].isEmpty else { throw SpecError(text: text) }
        var target = Substring(rest[0])
        var user: String?
        if let at = target.lastIndex(of: "@") {
            user = String(target[..<at])
            target = target[target.index(after: at)...]
        }
        var port: Int?
        // An IPv6 address is written in brackets: `[::1]:2222`.
        if let colon = target.lastIndex(of: ":"), !target.hasSuffix("]") {
            guard let number = Int(target[target.index(after: colon)...]), (1...65535).contains(number) else {
                throw SpecError(text: text)
            }
            port = number
            target = target[..<colon]
        }
        let address = String(target.trimmingCharacters(in: ["[", "]"]))
        guard !address.isEmpty, user.map({ !$0.isEmpty }) ?? true else { throw SpecError(text: text) }
        return .ssh(user: user, address: address, port: port, root: root, probe: probe)
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
