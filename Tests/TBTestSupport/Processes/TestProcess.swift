import Foundation

/// Processes and ports for test fixtures, without Foundation's `Process` (its reaper
/// can block on a long-lived child such as sshd): posix_spawn, /proc, loopback sockets.
public enum TestProcess {
    /// Runs a program to completion and returns its output (stdout and stderr); throws
    /// on a non-zero status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let output = "/tmp/tbmake-test-run-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        defer { unlink(output) }
        let child = try spawn(executable, arguments, output: output, append: false)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw TestProcessError("\(executable) \(arguments) failed: \(text)") }
        return text
    }

    /// posix_spawn with stdin from /dev/null and stdout and stderr to `output`.
    public static func spawn(_ executable: String, _ arguments: [String], output: String, append: Bool) throws -> pid_t {
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

    /// A TCP port on 127.0.0.1 that nothing listens on (now).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        guard withLoopback(port: 0, { bind(fd, $0, $1) }) == 0 else { throw POSIXError(.EADDRINUSE) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return withLoopback(port: port) { connect(fd, $0, $1) } == 0
    }

    /// Every live process below `pid`, from /proc.
    public static func descendants(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for (child, fields) in processStats() where fields.count > 1 {
            if let parent = Int32(fields[1]) { children[parent, default: []].append(child) }
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

    /// Processes of group `pgid` still running (zombies excluded), from /proc,
    /// independently of the code under test.
    public static func live(inGroup pgid: Int32) -> [Int32] {
        processStats().filter { _, fields in
            fields.count > 2 && fields[0] != "Z" && fields[0] != "X" && Int32(fields[2]) == pgid
        }.map(\.pid)
    }

    /// The process's command name (`/proc/PID/comm`).
    public static func commandName(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// For each process, the fields of `/proc/PID/stat` after the command name (state,
    /// parent, process group, …).
    private static func processStats() -> [(pid: Int32, fields: [Substring])] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            return (pid, stat[stat.index(after: close)...].split(separator: " "))
        }
    }

    private static func withLoopback<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
