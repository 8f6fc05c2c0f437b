import Glibc

/// An OpenSSH `ProxyCommand` running for one connection: `/bin/sh -c COMMAND` in a
/// process group of its own, its stdin and stdout one end of a socket pair whose other
/// end (`socket`) carries the ssh session; its stderr is discarded. The group is
/// killed and the shell reaped in `deinit`.
final class SSHProxyCommand {
    let socket: FileDescriptor
    private let pid: pid_t

    init(command: String, host: String) throws {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SSHError.connectionLost(host: host, reason: "ProxyCommand: socketpair: \(errnoDescription(errno))")
        }
        socket = FileDescriptor(takingOwnership: fds[0])
        let theirs = FileDescriptor(takingOwnership: fds[1])
        let environment = Self.currentEnvironment()
        do {
            pid = try ChildProcess.spawnShell(command: "exec 2>/dev/null\n" + command, environment: environment,
                                              directory: "/", input: theirs.rawValue, output: theirs.rawValue,
                                              closingOthers: true)
        } catch {
            throw SSHError.connectionLost(host: host, reason: "ProxyCommand '\(command)' cannot start: \(error)")
        }
    }

    deinit {
        kill(-pid, SIGTERM)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    private static func currentEnvironment() -> [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            result.append(String(cString: pointer))
            entry += 1
        }
        return result
    }
}
