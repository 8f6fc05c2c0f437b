import Glibc

/// At most `limit` ssh handshakes (TCP connect to the end of authentication) in flight
/// at once per server (`address:port`), so that an OpenSSH server's `MaxStartups`
/// (default 10:30:100: from 10 unauthenticated connections on, it drops new ones)
/// does not refuse a fan-out over hundreds of aliases of one server. A host that does
/// not answer holds only its own server's slots, never another server's.
final class HandshakeThrottle: @unchecked Sendable {
    static let shared = HandshakeThrottle(limit: 8)

    let limit: UInt32
    private let lock = Lock()
    /// Guarded by `lock`.
    private var semaphores: [String: Semaphore] = [:]

    init(limit: UInt32) { self.limit = limit }

    /// Waits for one of `server`'s slots; the caller signals the semaphore returned
    /// when its handshake is over.
    func acquire(server: String) -> Semaphore {
        let semaphore = lock.withLock {
            if let existing = semaphores[server] { return existing }
            let made = Semaphore(value: limit)
            semaphores[server] = made
            return made
        }
        semaphore.wait()
        return semaphore
    }
}
