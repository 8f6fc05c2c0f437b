/// A phase of one target's run, as observers see it (`BuildObserver.phaseStarted`).
public enum RunPhase: Sendable, Equatable {
    /// `wait`: trying to reach the host until it answers.
    case waitingForHost(host: String)
    /// Reaching the host and learning its identity (once per host, reported for the
    /// first target that needs it).
    case connecting(host: String)
    /// Recipe step `number` (from 1) of `count`: `kind` is `run`, `put`, `get`, `pack`
    /// or `unpack`, `text` the step as the log shows it.
    case step(number: Int, count: Int, kind: String, text: String)
    /// Restoring its outputs from the artifact cache.
    case restoring
    /// Storing its outputs into the artifact cache.
    case storing

    /// A short name: `waiting`, `connecting`, `step 2/3`, `restore`, `store`.
    public var name: String {
        switch self {
        case .waitingForHost: return "waiting"
        case .connecting: return "connecting"
        case .step(let number, let count, _, _): return "step \(number)/\(count)"
        case .restoring: return "restore"
        case .storing: return "store"
        }
    }
}

/// How a phase ended.
public struct PhaseOutcome: Sendable, Equatable {
    public var status: TargetResult.Status
    /// Bytes moved, when known (a `put` or `get` of a file, a restore, a store).
    public var bytes: Int64?
    /// For a failure: one line saying why.
    public var reason: String?

    public init(status: TargetResult.Status, bytes: Int64? = nil, reason: String? = nil) {
        self.status = status
        self.bytes = bytes
        self.reason = reason
    }

    public static let ok = PhaseOutcome(status: .ok)
}
