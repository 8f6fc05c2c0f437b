import Glibc

/// A small `/bin/sh` process, started with the first local recipe, whose only job is to
/// outlive tbmake: tbmake tells it, on a socket, each recipe's process group as the
/// recipe starts (`+PGID`) and as its shell is reaped (`-PGID`). At end-of-file — tbmake
/// has exited, however it ended, SIGKILL included — it sends SIGTERM to the groups still
/// listed and, 2 s later, SIGKILL to what is left of them, as Ctrl-C does. When tbmake
/// exits with no recipe running, it exits at once.
///
/// It runs in a process group of its own (a signal to tbmake's group does not reach it),
/// ignores SIGINT and SIGHUP, and holds no descriptor of tbmake's but its end of the
/// socket (glibc 2.34 and later; older ones let it inherit what is not close-on-exec).
///
/// Why not `PR_SET_PDEATHSIG` on each recipe's shell: that signal reaches the shell
/// only, not `sleep 30` in `make && sleep 30`; it is sent when the *thread* that spawned
/// the shell ends rather than the process; and posix_spawn cannot set it.
///
/// Limits: a recipe process that leaves its group (`setsid`) is not reached; nor is a
/// recipe tbmake started in the instant before being killed, ahead of telling the
/// watchdog. If the watchdog cannot be started, recipes run without one.
///
/// Used under `RunningProcessGroups`' lock only.
enum RecipeWatchdog {
    nonisolated(unsafe) private static var socket: FileDescriptor?
    nonisolated(unsafe) private static var tried = false

    static func started(_ pgid: pid_t) { tell("+\(pgid)\n") }
    static func ended(_ pgid: pid_t) { tell("-\(pgid)\n") }

    /// Best effort: a send that fails (the watchdog is gone, or so stuck that the socket
    /// is full) is dropped. The socket is never closed before tbmake exits: its end is
    /// what tells the watchdog to stop the recipes.
    private static func tell(_ line: String) {
        if !tried {
            tried = true
            socket = try? start()
        }
        guard let socket else { return }
        var line = line
        _ = line.withUTF8 { send(socket.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }

    private static func start() throws -> FileDescriptor {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SystemError(errno)
        }
        let ours = FileDescriptor(takingOwnership: fds[0])
        let theirs = FileDescriptor(takingOwnership: fds[1])
        _ = try ChildProcess.spawnShell(command: script, environment: ["PATH=/usr/bin:/bin"], directory: "/",
                                        input: theirs.rawValue, output: nil, closingOthers: true)
        return ours
    }

    /// Keeps ` PGID PGID … ` of the running recipes; at end-of-file stops them.
    private static let script = """
        trap '' INT HUP
        groups=' '
        while read -r change; do
          group=${change#?}
          case $change in
            +*) groups="$groups$group " ;;
            -*) case $groups in *" $group "*) groups="${groups%% $group *} ${groups#* $group }" ;; esac ;;
          esac
        done
        [ "$groups" = ' ' ] && exit 0

        """ + stopProcessGroupsShellCode
}
