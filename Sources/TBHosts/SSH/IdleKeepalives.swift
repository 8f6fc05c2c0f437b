import Glibc
import TBEngine

/// The one thread that keeps every idle ssh connection of the process alive (see
/// `SSHConnection+Keepalive.swift`), however many hosts a run reaches: it wakes every
/// 250 ms, gives each live connection its idle keepalive, forgets connections released
/// or lost, and ends when none is left (the next connection starts it again).
final class IdleKeepalives: @unchecked Sendable {
    static let shared = IdleKeepalives()

    private struct Entry { weak var connection: SSHConnection? }

    private let lock = Lock()
    /// Guarded by `lock`.
    private var entries: [Entry] = []
    private var running = false

    /// Looks after `connection` until it is released or lost.
    func add(_ connection: SSHConnection) {
        let start: Bool = lock.withLock {
            entries.append(Entry(connection: connection))
            defer { running = true }
            return !running
        }
        if start { Worker.spawn { [self] in run() } }
    }

    /// How many connections are looked after (for tests).
    var count: Int { lock.withLock { entries.filter { $0.connection != nil }.count } }

    private func run() {
        while true {
            usleep(250_000)
            let connections: [SSHConnection] = lock.withLock { entries.compactMap(\.connection) }
            var lost = Set<ObjectIdentifier>()
            for connection in connections where !connection.idleKeepAlive() {
                lost.insert(ObjectIdentifier(connection))
            }
            let done: Bool = lock.withLock {
                entries.removeAll { entry in
                    guard let connection = entry.connection else { return true }
                    return lost.contains(ObjectIdentifier(connection))
                }
                if entries.isEmpty { running = false }
                return entries.isEmpty
            }
            if done { return }
        }
    }
}
