import Glibc

/// The subset of OpenSSH client config (`~/.ssh/config`, `ssh -F FILE`) tbmake uses:
/// `Host` blocks with patterns (`*`, `?`, `!negation`), and `HostName`, `User`,
/// `Port`, `IdentityFile`, `UserKnownHostsFile`, `StrictHostKeyChecking`,
/// `ConnectTimeout`, `ServerAliveInterval`, `ServerAliveCountMax`. As in ssh, the first value found for a keyword wins (except
/// `IdentityFile`, which accumulates); keywords are case-insensitive; `Key=value`
/// and quoted values are accepted; `Match` blocks and other keywords are ignored.
public struct SSHConfig: Equatable, Sendable {
    struct Block: Equatable, Sendable {
        var patterns: [String]
        var settings: [(key: String, value: String)]

        static func == (a: Block, b: Block) -> Bool {
            a.patterns == b.patterns && a.settings.map { "\($0.key)=\($0.value)" } == b.settings.map { "\($0.key)=\($0.value)" }
        }
    }

    var blocks: [Block]

    /// Parses config text. Lines before any `Host` apply to every host.
    public init(text: String) {
        var blocks = [Block(patterns: ["*"], settings: [])]
        var inMatch = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = Self.words(String(rawLine))
            guard let keyword = words.first?.lowercased() else { continue }
            let arguments = Array(words.dropFirst())
            switch keyword {
            case "host":
                blocks.append(Block(patterns: arguments, settings: []))
                inMatch = false
            case "match":
                inMatch = true
            default:
                if !inMatch, let value = arguments.first {
                    blocks[blocks.count - 1].settings.append((keyword, value))
                }
            }
        }
        self.blocks = blocks
    }

    /// Reads `path` (`~` expanded); a missing file is an empty config unless `required`
    /// (a file named on the command line, as `ssh -F`'s).
    public init(contentsOf path: String, required: Bool = false) throws {
        switch readWholeFile(expandTilde(path)) {
        case .success(let bytes): self.init(text: String(decoding: bytes, as: UTF8.self))
        case .failure(let error) where error.code == ENOENT && !required: self.init(text: "")
        case .failure(let error):
            throw SSHError.configFailed(file: path, reason: error.description)
        }
    }

    /// The settings that apply to `alias` (as written after `ssh`), in ssh's order.
    func settings(for alias: String) -> [(key: String, value: String)] {
        blocks.filter { Self.matches(alias, $0.patterns) }.flatMap(\.settings)
    }

    /// Destination and options for `alias`, starting from what was given explicitly
    /// (`user`, `port` from `user@alias:port`; those win over the config).
    public func resolve(alias: String, user: String? = nil, port: Int? = nil) -> (SSHDestination, SSHOptions) {
        var first: [String: String] = [:]
        var identityFiles: [String] = []
        for (key, value) in settings(for: alias) {
            if key == "identityfile" {
                identityFiles.append(Self.expand(value, alias: alias))
            } else if first[key] == nil {
                first[key] = value
            }
        }
        let address = first["hostname"].map { $0.replacingPercentH(with: alias) } ?? alias
        let defaultUser = getenv("USER").map { String(cString: $0) } ?? "root"
        let destination = SSHDestination(user: user ?? first["user"] ?? defaultUser, address: address,
                                         port: port ?? first["port"].flatMap { Int($0) } ?? 22)
        var options = SSHOptions(identityFiles: identityFiles)
        if let file = first["userknownhostsfile"] {
            options.knownHostsFile = Self.expand(String(file), alias: alias)
        }
        switch first["stricthostkeychecking"]?.lowercased() {
        case "accept-new": options.strictHostKeyChecking = .acceptNew
        case "no", "off": options.strictHostKeyChecking = .no
        default: options.strictHostKeyChecking = .yes
        }
        if let timeout = first["connecttimeout"].flatMap({ Double($0) }) { options.connectTimeout = timeout }
        if let interval = first["serveraliveinterval"].flatMap({ Int($0) }), interval >= 0 {
            options.serverAliveInterval = interval
        }
        if let count = first["serveralivecountmax"].flatMap({ Int($0) }), count >= 1 {
            options.serverAliveCountMax = count
        }
        return (destination, options)
    }

    /// Whether `host` matches a `Host` line: some positive pattern matches and no
    /// negated one does.
    static func matches(_ host: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if glob(Array(pattern.dropFirst().lowercased().utf8), Array(host.lowercased().utf8)) { return false }
            } else if glob(Array(pattern.lowercased().utf8), Array(host.lowercased().utf8)) {
                matched = true
            }
        }
        return matched
    }

    /// `*` and `?` wildcards, as ssh's match_pattern.
    static func glob(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0, t = 0, starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1; t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// Splits a config line into words: `#` comments, `Key=value`, double quotes.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for character in line {
            if quoted {
                if character == "\"" { quoted = false } else { current.append(character) }
            } else if character == "\"" {
                quoted = true; started = true
            } else if character == "#" && !started && current.isEmpty {
                break
            } else if character == " " || character == "\t" || (character == "=" && words.isEmpty) {
                if started { words.append(current); current = ""; started = false }
            } else {
                current.append(character); started = true
            }
        }
        if started { words.append(current) }
        return words
    }

    /// `~` and `%h` (the alias) / `%%` in file names.
    static func expand(_ value: String, alias: String) -> String {
        expandTilde(value.replacingPercentH(with: alias))
    }
}

extension String {
    func replacingPercentH(with host: String) -> String {
        var out = ""
        var iterator = makeIterator()
        while let c = iterator.next() {
            guard c == "%" else { out.append(c); continue }
            switch iterator.next() {
            case "h": out += host
            case "%": out += "%"
            case let other?: out += "%" + String(other)
            case nil: out += "%"
            }
        }
        return out
    }
}
