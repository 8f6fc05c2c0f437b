/// Hands every report to each of its observers, in order: the terminal view, `--json`,
/// `--trace` and the run report watch one run together.
public final class TeeObserver: BuildObserver {
    private let observers: [BuildObserver]

    public init(_ observers: [BuildObserver]) { self.observers = observers }

    public func buildStarted(_ plan: BuildPlan) { observers.forEach { $0.buildStarted(plan) } }
    public func decided(_ target: String, _ decision: Decision) { observers.forEach { $0.decided(target, decision) } }
    public func started(_ target: String, started: Int, total: Int) {
        observers.forEach { $0.started(target, started: started, total: total) }
    }
    public func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {
        observers.forEach { $0.phaseStarted(target, phase, at: at) }
    }
    public func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {
        observers.forEach { $0.phaseEnded(target, phase, outcome, at: at) }
    }
    public func output(_ target: String, _ chunk: [UInt8]) { observers.forEach { $0.output(target, chunk) } }
    public func commands(_ target: String, _ steps: [String]) { observers.forEach { $0.commands(target, steps) } }
    public func finished(_ target: String, _ result: TargetResult) { observers.forEach { $0.finished(target, result) } }
    public func warning(_ message: String) { observers.forEach { $0.warning(message) } }
    public func waiting(_ target: String, _ message: String) { observers.forEach { $0.waiting(target, message) } }
    public func buildFinished(_ summary: BuildSummary) { observers.forEach { $0.buildFinished(summary) } }
    public func tick() { observers.forEach { $0.tick() } }
}
