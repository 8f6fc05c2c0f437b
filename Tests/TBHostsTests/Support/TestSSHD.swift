import Foundation
import XCTest

/// A real OpenSSH server on 127.0.0.1 for tests: its own directory with a generated
/// ed25519 host key, an ed25519 user key authorised for root, `HOME` for sessions set
/// to an empty directory (no shell rc files), a free port. Stopped (with every process
/// it started) on `stop()` or deinit.
final class TestSSHD {
    let directory: String
    let port: Int
    var hostKey: String { directory + "/host_ed25519" }
    var userKey: String { directory + "/user_ed25519" }
    var home: String { directory + "/home" }
    var log: String { directory + "/sshd.log" }
    private var pid: pid_t = 0

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw XCTSkip("/usr/sbin/sshd is missing: install the Debian package openssh-server (scripts/setup does)")
        }
        var template = Array("/tmp/tbmake-sshd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: "/run/sshd") {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        try Self.keygen(hostKey)
        try Self.keygen(userKey)
        let config = """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(hostKey)
            AuthorizedKeysFile \(userKey).pub
            StrictModes no
            UsePAM no
            PidFile none
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            SetEnv HOME=\(home)
            Subsystem sftp internal-sftp
            LogLevel VERBOSE
            """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts sshd and waits until its port accepts connections.
    func start() throws {
        pid = try Self.spawn("/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config"], output: log, append: true)
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { pid = 0; break }
            usleep(10_000)
        }
        throw NSError(domain: "TestSSHD", code: 1, userInfo: [NSLocalizedDescriptionKey:
            "sshd did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")])
    }

    /// Kills sshd and every process it started (per-connection sshd and sessions).
    func stop() {
        guard pid > 0 else { return }
        let all = [pid] + Self.descendants(of: pid)
        for process in all.reversed() { kill(process, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        pid = 0
    }

    /// Kills only the per-connection sshd processes (as if the server went away mid-command).
    func killConnections() {
        guard pid > 0 else { return }
        for process in Self.descendants(of: pid) where Self.commandName(process) == "sshd" {
            kill(process, SIGKILL)
        }
    }

    /// Sends `signal` to the per-connection sshd processes: SIGSTOP makes the server
    /// hang without closing anything (as a host that vanished), SIGCONT resumes it.
    func signalConnections(_ signal: Int32) {
        guard pid > 0 else { return }
        for process in Self.descendants(of: pid) where Self.commandName(process) == "sshd" {
            kill(process, signal)
        }
    }

    /// Replaces the host key with a new one (takes effect for new connections after restart).
    func regenerateHostKey() throws {
        try? FileManager.default.removeItem(atPath: hostKey)
        try? FileManager.default.removeItem(atPath: hostKey + ".pub")
        try Self.keygen(hostKey)
    }

    /// `SHA256:…` of the current host key, as ssh-keygen prints it.
    func hostKeyFingerprint() throws -> String {
        let output = try Self.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"])
        return String(output.split(separator: " ")[1])
    }

    /// The `known_hosts` line for this server.
    func knownHostsLine() throws -> String {
        let key = try String(contentsOfFile: hostKey + ".pub", encoding: .utf8).split(separator: " ")
        return "[127.0.0.1]:\(port) \(key[0]) \(key[1])\n"
    }

    // MARK: helpers

    static func keygen(_ path: String) throws {
        _ = try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tbmake-test", "-f", path])
    }

    /// Runs `executable` to completion (Foundation's Process is not used: its reaper
    /// blocks on a long-running child such as sshd). Throws on a non-zero status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let output = "/tmp/tbmake-sshd-run-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        defer { unlink(output) }
        let child = try spawn(executable, arguments, output: output, append: false)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw NSError(domain: "TestSSHD", code: Int(status),
                          userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments): \(text)"])
        }
        return text
    }

    /// posix_spawn with stdin from /dev/null and stdout+stderr to `output`.
    static func spawn(_ executable: String, _ arguments: [String], output: String, append: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return child
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Every live process below `pid`, from /proc.
    static func descendants(of pid: Int32) -> [Int32] {
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
            for child in children[next] ?? [] {
                result.append(child)
                queue.append(child)
            }
        }
        return result
    }

    static func commandName(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
