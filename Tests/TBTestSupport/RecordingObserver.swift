import TBEngine

/// Everything a run reported, in order.
public final class RecordingObserver: BuildObserver {
    public private(set) var decisions: [(target: String, decision: Decision)] = []
    public private(set) var starts: [(target: String, started: Int, total: Int)] = []
    public private(set) var results: [(target: String, result: TargetResult)] = []

    public init() {}

    public func decided(_ target: String, _ decision: Decision) { decisions.append((target, decision)) }
    public func started(_ target: String, started: Int, total: Int) { starts.append((target, started, total)) }
    public func finished(_ target: String, _ result: TargetResult) { results.append((target, result)) }
    /// Warnings, in order.
    public private(set) var warnings: [String] = []
    public func warning(_ message: String) { warnings.append(message) }
    /// Waiting lines (`wait`), in order.
    public private(set) var waits: [String] = []
    public func waiting(_ target: String, _ message: String) { waits.append("\(target): \(message)") }

    /// Target → its decision (a target is decided once per run).
    public var decisionsByTarget: [String: Decision] {
        Dictionary(decisions.map { ($0.target, $0.decision) }, uniquingKeysWith: { first, _ in first })
    }

    public func decision(_ target: String) -> Decision? {
        decisions.first { $0.target == target }?.decision
    }

    /// Targets in the order decided.
    public var decidedTargets: [String] { decisions.map(\.target) }

    /// Targets whose recipe started, in order.
    public var startedTargets: [String] { starts.map(\.target) }

    /// Target → "ok" or "failed", for every finished result.
    public var statuses: [String: TargetResult.Status] {
        Dictionary(results.map { ($0.target, $0.result.status) }, uniquingKeysWith: { _, last in last })
    }

    public func result(_ target: String) -> TargetResult? {
        results.first { $0.target == target }?.result
    }
}
