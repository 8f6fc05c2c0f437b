import Glibc

/// The process groups of recipes running on local hosts right now, so that an
/// interrupted tbmake (Ctrl-C, SIGTERM) can stop them: each recipe runs in a group of
/// its own, which the terminal's SIGINT does not reach.
public enum RunningProcessGroups {
    private static let lock = Lock()
    nonisolated(unsafe) private static var groups: Set<pid_t> = []

    static func insert(_ pgid: pid_t) { lock.withLock { _ = groups.insert(pgid) } }
    static func remove(_ pgid: pid_t) { lock.withLock { _ = groups.remove(pgid) } }

    /// Sends `signal` to every running recipe's process group; returns how many.
    @discardableResult
    public static func signalAll(_ signal: Int32) -> Int {
        lock.withLock {
            for pgid in groups { _ = kill(-pgid, signal) }
            return groups.count
        }
    }
}
