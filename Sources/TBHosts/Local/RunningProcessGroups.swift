import Glibc

/// The process groups of recipes running on local hosts right now, so that an
/// interrupted tbmake (Ctrl-C, SIGTERM, SIGHUP) can stop them: each recipe runs in a
/// group of its own, which the terminal's SIGINT does not reach. Each group is also
/// told to the `RecipeWatchdog`, which stops the recipes still running if tbmake dies
/// without doing so (SIGKILL).
public enum RunningProcessGroups {
    private static let lock = Lock()
    nonisolated(unsafe) private static var groups: Set<pid_t> = []
    /// Set by `stop`: no recipe starts after it.
    nonisolated(unsafe) private static var stopping = false

    /// Runs `spawn` (which returns the pid of a new process group's leader) and records
    /// the group, both under the lock, so that `stop` reaches every recipe that started
    /// and none starts after it: then `spawn` is not run, and ECANCELED is thrown.
    static func register(_ spawn: () throws -> pid_t) throws -> pid_t {
        try lock.withLock {
            if stopping { throw SystemError(ECANCELED) }
            let pgid = try spawn()
            groups.insert(pgid)
            RecipeWatchdog.started(pgid)
            return pgid
        }
    }

    /// Forgets a group whose shell was reaped.
    static func remove(_ pgid: pid_t) {
        lock.withLock {
            if groups.remove(pgid) != nil { RecipeWatchdog.ended(pgid) }
        }
    }

    /// From now on no recipe starts; sends SIGTERM to every running recipe's process
    /// group and returns how many there are.
    @discardableResult
    public static func stop() -> Int {
        lock.withLock { stopping = true }
        return signalAll(SIGTERM)
    }

    /// Sends `signal` to every running recipe's process group; returns how many.
    @discardableResult
    public static func signalAll(_ signal: Int32) -> Int {
        lock.withLock {
            for pgid in groups { _ = kill(-pgid, signal) }
            return groups.count
        }
    }
}
