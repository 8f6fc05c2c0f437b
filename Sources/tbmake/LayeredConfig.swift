#if canImport(Glibc)
import Glibc
#endif

/// tbmake's layered configuration, as the imaging tools keep theirs: `/etc/tbmake.conf`,
/// then `~/.tbmake.conf`, then `./tbmake.conf` in the project, each optional; a later
/// file overrides what an earlier one says, so the last two need only hold what they
/// change. `.ini` style, values without quotes:
///
///     # tbmake.conf
///     [variables]
///     ALL_NODES = 1-37
///     image = fedora-41
///
///     [hosts]
///     dev2 = ssh root@ab-kata-dev2
///     prod = local
///
///     [cache]
///     remote = https://cache.lab/tbmake
///     upload = no
///
/// Variables act as defaults: they override the Targetfile's `?=`, and the environment
/// and the command line override them. Hosts override the Targetfile's declarations;
/// `-H` overrides them.
struct LayeredConfig {
    var variables: [String: String] = [:]
    /// Host name → spec text (`local`, `ssh root@host:22`).
    var hosts: [String: String] = [:]
    /// `[cache]`: the remote cache (`remote`, `upload`, `timeout`, `cacert`; see `RemoteSettings`).
    var cache: [String: String] = [:]

    /// A line tbmake cannot read: `file:line: message`.
    struct ParseError: Error, CustomStringConvertible {
        var file: String
        var line: Int
        var message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    /// The layers that exist, in order.
    static func standardPaths() -> [String] {
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return ["/etc/tbmake.conf", home + "/.tbmake.conf", "tbmake.conf"]
    }

    static func load(paths: [String], readFile: (String) -> String?) throws -> LayeredConfig {
        var config = LayeredConfig()
        for path in paths {
            guard let text = readFile(path) else { continue }
            try config.merge(text, file: path)
        }
        return config
    }

    mutating func merge(_ text: String, file: String) throws {
        var section = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingBlanks()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ParseError(file: file, line: number + 1, message: "expected '[section]'") }
                section = String(line.dropFirst().dropLast()).trimmingBlanks()
                guard section == "variables" || section == "hosts" || section == "cache" else {
                    throw ParseError(file: file, line: number + 1, message: "unknown section '[\(section)]' (expected [variables], [hosts] or [cache])")
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(file: file, line: number + 1, message: "expected 'name = value'")
            }
            let name = String(line[..<eq]).trimmingBlanks()
            let value = String(line[line.index(after: eq)...]).trimmingBlanks()
            guard !name.isEmpty else { throw ParseError(file: file, line: number + 1, message: "expected 'name = value'") }
            switch section {
            case "variables": variables[name] = value
            case "hosts": hosts[name] = value
            case "cache": cache[name] = value
            default: throw ParseError(file: file, line: number + 1, message: "'\(name)' is outside a section ([variables], [hosts] or [cache])")
            }
        }
    }
}

private extension StringProtocol {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
