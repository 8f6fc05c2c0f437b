/// Where to connect: `user@address:port`.
public struct SSHDestination: Hashable, Sendable, CustomStringConvertible {
    public var user: String
    /// A host name or an IP address, resolved with getaddrinfo at connect time.
    public var address: String
    public var port: Int

    public init(user: String, address: String, port: Int = 22) {
        self.user = user
        self.address = address
        self.port = port
    }

    /// How known_hosts names the host: `address`, or `[address]:port` off port 22.
    var knownHostsName: String { port == 22 ? address : "[\(address)]:\(port)" }

    public var description: String { "\(user)@\(address):\(port)" }

    /// `[user@]address[:port]` split into its parts (an IPv6 address in brackets:
    /// `[::1]:2222`); nil if the port is not a number in 1...65535 or a part is empty.
    public static func split(_ text: String) -> (user: String?, address: String, port: Int?)? {
        var target = Substring(text)
        var user: String?
        if let at = target.lastIndex(of: "@") {
            user = String(target[..<at])
            target = target[target.index(after: at)...]
        }
        var port: Int?
        if let colon = target.lastIndex(of: ":"), !target.hasSuffix("]") {
            guard let number = Int(target[target.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            target = target[..<colon]
        }
        while target.first == "[" { target.removeFirst() }
        while target.last == "]" { target.removeLast() }
        guard !target.isEmpty, user.map({ !$0.isEmpty }) ?? true else { return nil }
        return (user, String(target), port)
    }
}

/// What to do with a host key that the known_hosts file does not list. A key that
/// differs from a listed one is refused under every policy.
public enum StrictHostKeyChecking: String, Equatable, Sendable {
    /// Refuse unknown keys (OpenSSH `yes`, the default).
    case yes
    /// Accept an unknown key and append it to the known_hosts file.
    case acceptNew = "accept-new"
    /// Accept an unknown key without recording it.
    case no
}

/// How to connect and authenticate; usually filled from OpenSSH client config
/// (`SSHConfig.resolve`).
public struct SSHOptions: Hashable, Sendable {
    /// Private key files tried after the agent, in order. Empty: `~/.ssh/id_ed25519`,
    /// `~/.ssh/id_ecdsa`, `~/.ssh/id_rsa`, those that exist.
    public var identityFiles: [String]
    /// Empty: `~/.ssh/known_hosts`.
    public var knownHostsFile: String
    public var strictHostKeyChecking: StrictHostKeyChecking
    /// For TCP connect and the ssh handshake and authentication, in seconds.
    public var connectTimeout: Double
    /// Whether to try ssh-agent (`SSH_AUTH_SOCK`) before key files.
    public var useAgent: Bool
    /// Seconds without a byte from the host, while a command or transfer waits on it,
    /// after which a keepalive asks the host to answer; 0: none (OpenSSH
    /// `ServerAliveInterval`).
    public var serverAliveInterval: Int
    /// Keepalives left unanswered before the connection is given up as lost (OpenSSH
    /// `ServerAliveCountMax`): a host that vanished without closing the connection
    /// fails its targets after about `serverAliveInterval × (serverAliveCountMax + 1)`
    /// seconds instead of hanging them.
    public var serverAliveCountMax: Int
    /// A command whose stdin and stdout carry the connection instead of a TCP socket
    /// (OpenSSH `ProxyCommand`, tokens already expanded; run with `/bin/sh -c`). nil: TCP.
    public var proxyCommand: String?

    public init(identityFiles: [String] = [], knownHostsFile: String = "",
                strictHostKeyChecking: StrictHostKeyChecking = .yes, connectTimeout: Double = 30,
                useAgent: Bool = true, serverAliveInterval: Int = 15, serverAliveCountMax: Int = 3) {
        self.serverAliveInterval = serverAliveInterval
        self.serverAliveCountMax = serverAliveCountMax
        self.identityFiles = identityFiles
        self.knownHostsFile = knownHostsFile
        self.strictHostKeyChecking = strictHostKeyChecking
        self.connectTimeout = connectTimeout
        self.useAgent = useAgent
    }
}
