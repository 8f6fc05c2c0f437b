import Glibc
import TBEngine

/// The recipes running on ssh hosts right now, by remote process group, so that an
/// interrupted tbmake (Ctrl-C, SIGTERM, SIGHUP) stops them as it stops local ones:
/// closing the connection would not (sshd leaves a command without a terminal
/// running). A tbmake killed with SIGKILL cannot reach them.
public enum RunningRemoteCommands {
    private struct Command {
        let executor: SSHExecutor
        let connection: SSHConnection
        let group: Int
    }

    private static let lock = Lock()
    nonisolated(unsafe) private static var commands: [Int: Command] = [:]
    nonisolated(unsafe) private static var lastID = 0
    nonisolated(unsafe) private static var stopping = false
    /// Stops started by `stop` (or by `add` after it) and not finished yet.
    nonisolated(unsafe) private static var unfinishedStops = 0

    /// Whether `stop` was called: no remote recipe starts after it.
    static var isStopping: Bool { lock.withLock { stopping } }

    /// Records a command whose process group is known; returns the id to `remove` it
    /// with. After `stop`, the command is stopped at once instead.
    static func add(executor: SSHExecutor, connection: SSHConnection, group: Int) -> Int {
        lock.withLock {
            lastID += 1
            let command = Command(executor: executor, connection: connection, group: group)
            if stopping { stopInBackground([command]) } else { commands[lastID] = command }
            return lastID
        }
    }

    static func remove(_ id: Int) {
        lock.withLock { _ = commands.removeValue(forKey: id) }
    }

    /// From now on no remote recipe starts; the running ones' process groups get
    /// SIGTERM, then SIGKILL 2 s later if any of them remains, with one command per
    /// connection. Returns how many were running.
    public static func stop() -> Int {
        lock.withLock {
            stopping = true
            let byConnection = Dictionary(grouping: commands.values) { ObjectIdentifier($0.connection) }
            for group in byConnection.values { stopInBackground(group) }
            return commands.count
        }
    }

    /// Waits until every stop begun by `stop` is done (or has failed: a host that
    /// cannot be reached keeps its processes), or until `deadline`.
    public static func waitForStops(until deadline: ContinuousClock.Instant) {
        while lock.withLock({ unfinishedStops }) > 0 && ContinuousClock.now < deadline { usleep(20_000) }
    }

    /// Under `lock`: stops `commands`, all on one connection, on a thread of its own.
    private static func stopInBackground(_ commands: [Command]) {
        guard let first = commands.first else { return }
        unfinishedStops += 1
        Worker.spawn {
            first.executor.terminate(groups: commands.map(\.group), on: first.connection)
            lock.withLock { unfinishedStops -= 1 }
        }
    }
}
