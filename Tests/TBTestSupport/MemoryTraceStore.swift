import TBEngine
import TBStore

/// Traces in memory, with every `record` call kept in order.
public final class MemoryTraceStore: TraceStore {
    public private(set) var traces: [String: TraceRecord] = [:]
    /// Every trace by slot, as `BuildLog` keeps them.
    public private(set) var slotTraces: [String: TraceRecord] = [:]
    /// Every trace recorded, in order (including updates of a skipped target's outputs).
    public private(set) var recorded: [TraceRecord] = []
    /// Thrown by `record` when set (a log that cannot be written).
    public var recordError: StoreError?

    public init() {}

    public func trace(for target: String) -> TraceRecord? { traces[target] }

    public func trace(for target: String, slot: String) -> TraceRecord? { slotTraces[slot] }

    public func record(_ trace: TraceRecord) throws {
        if let recordError { throw recordError }
        traces[trace.target] = trace
        slotTraces[trace.slot] = trace
        recorded.append(trace)
    }

    /// Forgets a target's trace, as if it never ran.
    public func remove(_ target: String) {
        traces.removeValue(forKey: target)
        slotTraces = slotTraces.filter { $0.value.target != target }
    }

    /// Targets recorded, in order.
    public var recordedTargets: [String] { recorded.map(\.target) }

    public func forgetHistory() { recorded.removeAll() }
}
