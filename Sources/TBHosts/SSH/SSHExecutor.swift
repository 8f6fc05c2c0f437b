import Glibc
import TBEngine
import TBStore

/// A host reached over ssh (libssh2): recipes run there with `sh -c`, `put`/`get` go
/// over SFTP.
///
/// One connection per executor, made on first use (`prepare()`, `run`, `put`, `get`,
/// `identity()`), shared by every command (a channel each) and transfer, and made
/// again after it was lost. `init` touches nothing. Safe to use from several threads
/// at once: commands of different targets run concurrently on the one connection
/// (see `SSHConnection` for how), transfers one at a time.
///
/// Every failure reaches the engine as an `ExecutorError` naming the host:
/// `.unavailable` for connect, host key, authentication and lost connections,
/// `.transferFailed` for `put`/`get`, `.timedOut` for deadlines.
public final class SSHExecutor: Executor, @unchecked Sendable {
    public let hostName: String
    public let destination: SSHDestination
    public let options: SSHOptions
    /// Where relative local paths of `put`/`get` start. Absolute.
    public let projectDirectory: String
    /// Run once per identity; its output becomes part of the identity.
    public let probe: String?
    /// Digests of project files and, keyed `ssh://…`, of files on the host: lets `put`
    /// and `get` skip files whose destination already has the content. nil: always copy.
    let digests: DigestCache?
    let configuredRoot: String?
    /// The gateway the host is reached through (`ProxyJump`, `via=`); nil: directly.
    public let gateway: SSHGateway?

    private let state = Lock()
    /// Guarded by `connecting`: connections are made by one thread at a time.
    private let connecting = Lock()
    private var current: SSHConnection?
    private var remoteHome: String?
    let transfers = Lock()
    var sftpClient: SFTPClient?

    /// `root`: the remote directory exposed as `$(root)`, where commands start and
    /// relative remote paths of `put`/`get` are resolved; it is created by
    /// `prepare()`. nil: the remote user's `HOME`. `probe`: a command whose output is
    /// part of the identity (e.g. `cat /etc/machine-id`). `digests`: the run's digest
    /// cache, for skipping unchanged transfers (nil: every transfer copies). `gateway`:
    /// whose connection carries this host's (see `SSHGateway`).
    public init(hostName: String, destination: SSHDestination, options: SSHOptions = SSHOptions(),
                root: String? = nil, probe: String? = nil, projectDirectory: String = ".",
                digests: DigestCache? = nil, gateway: SSHGateway? = nil) {
        self.gateway = gateway
        self.digests = digests
        self.hostName = hostName
        self.destination = destination
        self.options = options
        self.configuredRoot = root
        self.probe = probe
        self.projectDirectory = LocalPath.makeAbsolute(projectDirectory)
    }

    /// The remote root: the configured one, else the remote HOME once known (it is
    /// learnt on connecting; before that, and if the host cannot be reached, `~`).
    public var root: String {
        if let configuredRoot { return configuredRoot }
        if let home = state.withLock({ remoteHome }) { return home }
        _ = try? connection()
        return state.withLock { remoteHome } ?? "~"
    }

    public var variables: [String: String] { ["root": root] }

    /// Connects (if not connected) and creates the configured root.
    public func prepare() throws {
        let connection = try connection()
        if let configuredRoot {
            try runChecked("mkdir -p -- \(shellQuote(configuredRoot))", what: "creating the root \(configuredRoot)",
                           on: connection)
        }
    }

    /// `ssh:SHA256:<host key fingerprint>`, followed by a space and the probe
    /// command's output (trimmed) when there is a probe.
    public func identity() throws -> String {
        let connection = try connection()
        var identity = "ssh:" + connection.hostKeyFingerprint
        if let probe {
            let output = try runChecked(probe, what: "the probe command")
            identity += " " + output.trimmingWhitespace
        }
        return identity
    }

    /// The live connection, made (again) if there is none or it was lost.
    func connection() throws -> SSHConnection {
        try connecting.withLock {
            if let existing = state.withLock({ current }), !existing.isLost { return existing }
            let made: SSHConnection
            do {
                made = try SSHConnection(hostName: hostName, destination: destination, options: options, gateway: gateway)
            } catch let error as SSHError {
                throw unavailable(error)
            }
            state.withLock { current = made }
            if configuredRoot == nil && state.withLock({ remoteHome }) == nil {
                let home = try runChecked("printf '%s' \"$HOME\"", what: "reading HOME", on: made)
                state.withLock { remoteHome = home }
            }
            return made
        }
    }

    /// Drops the connection (the next use connects again). For tests and `retry`.
    public func disconnect() {
        transfers.withLock { sftpClient = nil }
        state.withLock { current = nil }
    }

    func unavailable(_ error: SSHError) -> ExecutorError {
        .unavailable(host: hostName, reason: error.description)
    }
}

extension String {
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
