#if canImport(Glibc)
import Glibc
#endif

/// The engine's clock: how long `wait` waits for a host and pauses between attempts.
/// Tests give a virtual one, as ninja's do, so that waits take no real time.
/// Called from worker threads.
public protocol BuildClock: Sendable {
    /// Seconds since an arbitrary start.
    func now() -> Double
    /// Pauses the calling thread for `seconds`.
    func sleep(_ seconds: Double)
}

/// The machine's monotonic clock.
public struct SystemClock: BuildClock {
    public init() {}

    public func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    public func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        usleep(UInt32(min(seconds, 4000) * 1_000_000))
    }
}
