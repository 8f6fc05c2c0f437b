import Foundation

/// A real OpenSSH server on 127.0.0.1 for the ssh tests (executor and end-to-end): its
/// own directory with a generated ed25519 host key, a free port, root allowed in with
/// one authorised key (its own `userKey`, or the one given), sessions with `HOME` an
/// empty directory (no shell rc files), SFTP in-process. Stopped, with every process it
/// started, by `stop()` or deinit; a directory it made itself is removed then too.
public final class TestSSHD {
    public let directory: String
    public let port: Int
    public var hostKey: String { directory + "/host_ed25519" }
    /// The private key the server accepts (its public half is `AuthorizedKeysFile`).
    public let userKey: String
    public var home: String { directory + "/home" }
    public var log: String { directory + "/sshd.log" }
    /// The address it listens on (127.0.0.1 unless given).
    public let address: String
    /// The network namespace it runs in (`ip netns exec`), nil: this process's.
    public let namespace: String?
    private let ownsDirectory: Bool
    private var pid: pid_t = 0

    /// - Parameters:
    ///   - directory: where the server keeps its files; nil: a new one under /tmp.
    ///   - userKey: a private key (with `.pub` beside it) to authorise; nil: one is made.
    ///   - logLevel: sshd's `LogLevel` (`DEBUG3` logs every global request, e.g. keepalives).
    ///   - address: where it listens; `namespace`: the network namespace it runs in.
    ///   - extraConfig: more sshd_config lines (e.g. `MaxStartups 2:100:2`).
    /// Fails, rather than skipping, when sshd is missing: the project's setup installs it.
    public init(directory: String? = nil, userKey: String? = nil, logLevel: String = "VERBOSE",
                address: String = "127.0.0.1", namespace: String? = nil, extraConfig: [String] = []) throws {
        self.address = address
        self.namespace = namespace
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw TestProcessError("/usr/sbin/sshd is missing: install the Debian package openssh-server "
                                   + "(./scripts/setup --packages does)")
        }
        if let directory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.directory = directory
        } else {
            var template = Array("/tmp/tbmake-sshd-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            self.directory = String(cString: made)
        }
        ownsDirectory = directory == nil
        self.userKey = userKey ?? self.directory + "/user_ed25519"
        port = try TestProcess.freePort()
        try FileManager.default.createDirectory(atPath: self.directory + "/home", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: "/run/sshd") {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        try Self.keygen(hostKey)
        if userKey == nil { try Self.keygen(self.userKey) }
        try """
            ListenAddress \(address)
            Port \(port)
            HostKey \(hostKey)
            AuthorizedKeysFile \(self.userKey).pub
            StrictModes no
            UsePAM no
            PidFile none
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            SetEnv HOME=\(home)
            Subsystem sftp internal-sftp
            LogLevel \(logLevel)
            \(extraConfig.joined(separator: "\n"))

            """.write(toFile: self.directory + "/sshd_config", atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Starts sshd and waits until its port accepts connections.
    public func start() throws {
        let sshd = ["/usr/sbin/sshd", "-D", "-e", "-f", directory + "/sshd_config"]
        let listening = "Server listening on \(address) port \(port)."
        let logged = { ((try? String(contentsOfFile: self.log, encoding: .utf8)) ?? "").components(separatedBy: listening).count }
        let before = logged()
        if let namespace {
            pid = try TestProcess.spawn("/usr/sbin/ip", ["netns", "exec", namespace] + sshd, output: log, append: true)
        } else {
            pid = try TestProcess.spawn(sshd[0], Array(sshd.dropFirst()), output: log, append: true)
        }
        for _ in 0..<2000 {
            if namespace == nil && address == "127.0.0.1" ? TestProcess.accepts(port: port)
                : logged() > before { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(10_000)
        }
        pid = 0
        throw TestProcessError("sshd did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    /// Kills sshd and every process it started (per-connection sshd and sessions).
    public func stop() {
        guard pid > 0 else { return }
        for process in ([pid] + TestProcess.descendants(of: pid)).reversed() { kill(process, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    /// Kills only the per-connection sshd processes (as if the server went away mid-command).
    public func killConnections() { signalConnections(SIGKILL) }

    /// Sends `signal` to the per-connection sshd processes: SIGSTOP makes the server
    /// hang without closing anything (as a host that vanished), SIGCONT resumes it.
    public func signalConnections(_ signal: Int32) {
        guard pid > 0 else { return }
        for process in TestProcess.descendants(of: pid) where TestProcess.commandName(process) == "sshd" {
            kill(process, signal)
        }
    }

    /// Replaces the host key with a new one (served by new connections after a restart).
    public func regenerateHostKey() throws {
        try? FileManager.default.removeItem(atPath: hostKey)
        try? FileManager.default.removeItem(atPath: hostKey + ".pub")
        try Self.keygen(hostKey)
    }

    /// A new host key, served from now on (sshd is restarted).
    public func changeHostKey() throws {
        stop()
        try regenerateHostKey()
        try start()
    }

    /// `SHA256:…` of the current host key, as ssh-keygen prints it.
    public func fingerprint() throws -> String {
        let output = try TestProcess.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"])
        return String(output.split(separator: " ")[1])
    }

    /// This server's known_hosts line (what tbmake appends under accept-new, too).
    public func knownHostsLine() throws -> String {
        let key = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8).split(separator: " ")
        return "[\(address)]:\(port) \(key[0]) \(key[1])\n"
    }

    /// A new passphrase-less ed25519 key pair at `path` and `path.pub`.
    public static func keygen(_ path: String) throws {
        try TestProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tbmake-test", "-f", path])
    }
}
