import TBStore

/// Where the engine keeps what it knows of past runs. The real one is `BuildLog`.
/// Only called from the scheduler's thread.
public protocol TraceStore: AnyObject {
    /// The target's last trace, whatever it named.
    func trace(for target: String) -> TraceRecord?
    /// The target's trace for one slot (`TraceRecord.slot`): the last run that named
    /// those outputs, state file and host.
    func trace(for target: String, slot: String) -> TraceRecord?
    /// Makes the trace durable before returning (it must survive a kill of tbmake).
    func record(_ trace: TraceRecord) throws
}

extension BuildLog: TraceStore {
    public func trace(for target: String) -> TraceRecord? { traces[target] }
    public func record(_ trace: TraceRecord) throws { try append(trace) }
}
