import Foundation
import XCTest

/// Hosts reached over ssh on 127.0.0.1 for the end-to-end tests: one directory
/// holding a user key (ed25519), one `LoopbackSSHD` per host name (its own port and
/// host key), a known_hosts file listing them, and an ssh_config naming each host
/// `<name>box` (HostName, Port, User, IdentityFile, UserKnownHostsFile). Everything
/// is stopped and removed on deinit.
final class LoopbackHosts {
    let directory: String
    let userKey: String
    let knownHosts: String
    let sshConfig: String
    private(set) var servers: [String: LoopbackSSHD] = [:]

    init(_ names: [String]) throws {
        var template = Array("/tmp/tbmake-sshe2e-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        userKey = directory + "/user_ed25519"
        knownHosts = directory + "/known_hosts"
        sshConfig = directory + "/ssh_config"
        try LoopbackSSHD.keygen(userKey)
        for name in names {
            servers[name] = try LoopbackSSHD(directory: directory + "/sshd-" + name, authorizedKey: userKey + ".pub")
        }
        try writeKnownHosts(names)
        try writeConfig()
    }

    deinit {
        for server in servers.values { server.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    subscript(name: String) -> LoopbackSSHD { servers[name]! }

    /// known_hosts holding the current key of each of `names`, in that order.
    func writeKnownHosts(_ names: [String]) throws {
        try names.map { try self[$0].knownHostsLine() }.joined().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    /// The ssh_config: `Host <name>box` for each server; `extra[name]` lines are added
    /// to that host's block; `identityFile` replaces the user key.
    func writeConfig(extra: [String: [String]] = [:], identityFile: String? = nil) throws {
        var text = ""
        for name in servers.keys.sorted() {
            text += "Host \(name)box\n  HostName 127.0.0.1\n  Port \(self[name].port)\n  User root\n"
            text += "  IdentityFile \(identityFile ?? userKey)\n  UserKnownHostsFile \(knownHosts)\n"
            for line in extra[name] ?? [] { text += "  \(line)\n" }
        }
        try text.write(toFile: sshConfig, atomically: true, encoding: .utf8)
    }
}

/// One OpenSSH server on 127.0.0.1 (the logic of TBHostsTests' TestSSHD): its own
/// directory, ed25519 host key and free port; root may log in with the authorised
/// key; sessions get an empty `HOME`; SFTP through sftp-server.
final class LoopbackSSHD {
    let directory: String
    let port: Int
    var hostKey: String { directory + "/host_ed25519" }
    private var log: String { directory + "/sshd.log" }
    private var pid: pid_t = 0

    init(directory: String, authorizedKey: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw EndToEndError("/usr/sbin/sshd is missing: install the Debian package 'openssh-server' "
                                + "(apt-get install openssh-server, or ./scripts/setup --packages)")
        }
        self.directory = directory
        port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try Self.keygen(hostKey)
        try """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(hostKey)
            AuthorizedKeysFile \(authorizedKey)
            StrictModes no
            UsePAM no
            PidFile none
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            SetEnv HOME=\(directory)/home
            Subsystem sftp /usr/lib/openssh/sftp-server
            LogLevel VERBOSE

            """.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try start()
    }

    deinit { stop() }

    /// Starts sshd and waits until its port accepts connections.
    func start() throws {
        pid = try Self.spawn("/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config"], output: log)
        let started = waitUntil("sshd on port \(port) accepts connections", limit: 20) {
            var status: Int32 = 0
            return Self.accepts(port: port) || waitpid(pid, &status, WNOHANG) == pid
        }
        guard started, Self.accepts(port: port) else {
            pid = 0
            throw EndToEndError("sshd did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        }
    }

    /// Kills sshd and every process it started.
    func stop() {
        guard pid > 0 else { return }
        for process in ([pid] + Self.descendants(of: pid)).reversed() { kill(process, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    /// A new host key, served from now on (sshd is restarted).
    func changeHostKey() throws {
        stop()
        try? FileManager.default.removeItem(atPath: hostKey)
        try? FileManager.default.removeItem(atPath: hostKey + ".pub")
        try Self.keygen(hostKey)
        try start()
    }

    /// `SHA256:…` of the host key, as ssh-keygen prints it.
    func fingerprint() throws -> String {
        String(try Self.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"]).split(separator: " ")[1])
    }

    /// This server's known_hosts line (what tbmake appends under accept-new, too).
    func knownHostsLine() throws -> String {
        let key = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8).split(separator: " ")
        return "[127.0.0.1]:\(port) \(key[0]) \(key[1])\n"
    }

    static func keygen(_ path: String) throws {
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tbmake-e2e", "-f", path])
    }

    /// Runs a program to completion (posix_spawn: Foundation's Process reaper can block
    /// on a long-lived child such as sshd); throws on a non-zero status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let output = "/tmp/tbmake-sshe2e-run-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        defer { unlink(output) }
        let child = try spawn(executable, arguments, output: output)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw EndToEndError("\(executable) \(arguments) failed: \(text)") }
        return text
    }

    /// posix_spawn, stdin from /dev/null, stdout and stderr appended to `output`.
    private static func spawn(_ executable: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return child
    }

    private static func withAddress<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        guard withAddress(port: 0, { bind(fd, $0, $1) }) == 0 else { throw POSIXError(.EADDRINUSE) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return withAddress(port: port) { connect(fd, $0, $1) } == 0
    }

    /// Every live process below `pid`, from /proc.
    private static func descendants(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(child) }
        }
        var result: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            for child in children[next] ?? [] { result.append(child); queue.append(child) }
        }
        return result
    }
}
