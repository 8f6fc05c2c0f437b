import Glibc

/// A pthread mutex with a stable address (heap-allocated, freed in `deinit`).
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A process-wide counter: temporary names must be unique across every executor of the
/// process, since two hosts may copy into the same directory at the same time.
final class Counter: @unchecked Sendable {
    private let lock = Lock()
    private var value = 0

    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

/// Held around pipe creation (when pipe2 is missing) and posix_spawn in this module.
let spawnLock = Lock()
