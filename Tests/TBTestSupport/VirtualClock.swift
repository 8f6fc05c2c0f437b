import Foundation
import TBEngine

/// A clock for engine tests, as ninja's: `sleep` advances virtual time at once (and
/// yields the thread for a millisecond), so that waits take no real time.
public final class VirtualClock: BuildClock, @unchecked Sendable {
    private let lock = NSLock()
    private var time = 0.0
    private var sleeps = 0
    /// Called after each sleep, with the number of sleeps so far (on the sleeping thread).
    public var onSleep: (@Sendable (Int) -> Void)?

    public init() {}

    public func now() -> Double { lock.withLock { time } }

    public func sleep(_ seconds: Double) {
        let count: Int = lock.withLock {
            time += seconds
            sleeps += 1
            return sleeps
        }
        onSleep?(count)
        usleep(1000)
    }

    /// Virtual seconds slept so far.
    public var elapsed: Double { now() }
}
