import TBEngine

/// An executor that refuses to start anything once the run's `lock URL` is lost: every
/// step asked for after that throws `LockLost`, so no new recipe step starts; steps
/// already running finish.
final class LockGuardedExecutor: Executor, @unchecked Sendable {
    let inner: Executor
    private let lock: DAVLock

    /// The error a refused step fails with.
    struct LockLost: Error, CustomStringConvertible {
        var url: String
        var reason: String
        var description: String { "lost the lock \(RemoteURL.masked(url)) (\(reason)): not starting this step" }
    }

    init(_ inner: Executor, lock: DAVLock) {
        self.inner = inner
        self.lock = lock
    }

    var hostName: String { inner.hostName }
    var variables: [String: String] { inner.variables }

    func prepare() throws { try inner.prepare() }
    func identity() throws -> String { try inner.identity() }

    func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
             output: OutputSink) throws -> Int32 {
        try check()
        return try inner.run(command: command, environment: environment, deadline: deadline, output: output)
    }

    func put(from local: String, to remote: String) throws -> TransferOutcome {
        try check()
        return try inner.put(from: local, to: remote)
    }

    func get(from remote: String, to local: String) throws -> TransferOutcome {
        try check()
        return try inner.get(from: remote, to: local)
    }

    private func check() throws {
        if let reason = lock.lostReason { throw LockLost(url: lock.url, reason: reason) }
    }
}

extension Executor {
    /// The executor itself, without the guard of a `lock URL`.
    var unguarded: Executor { (self as? LockGuardedExecutor)?.inner ?? self }
}
