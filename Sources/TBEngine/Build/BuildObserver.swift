/// Receives what a run does, as it happens. The command line turns these into progress
/// lines, `--explain` reasons, `--json` events, a `--trace` file and the run report:
/// several observers at once through `TeeObserver`.
///
/// Threads: every call comes on the scheduler's thread (the thread that called
/// `Build.run()`), one at a time. What happens on worker threads — a recipe's output,
/// its steps starting and ending — is forwarded to the scheduler as events first, and
/// carries the instant it happened (`at`), so an observer needs no lock.
///
/// Targets are named by their full name (`load-image@fit03`); `buildStarted` hands over
/// every target's `TargetIdentity` (base target, node, host) so that nobody parses names.
public protocol BuildObserver: AnyObject {
    /// Before anything is decided: the targets of the run, with their identities.
    func buildStarted(_ plan: BuildPlan)
    /// Every target of the closure is decided once (also in dry runs).
    func decided(_ target: String, _ decision: Decision)
    /// Dry runs: the recipe steps a target that would run would run, expanded (`run`
    /// steps as their command line). Not called when a dependency would run first, as
    /// the recipe may read what that dependency writes.
    func commands(_ target: String, _ steps: [String])
    /// A recipe starts; `started` counts the recipes started so far, `total` the targets
    /// of the closure that have a recipe.
    func started(_ target: String, started: Int, total: Int)
    /// A phase of a target begins: waiting for its host, connecting, a recipe step,
    /// restoring from or storing into the cache. Phases of one target do not overlap.
    func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant)
    /// The phase last started for `target` ended.
    func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant)
    /// A chunk of a running recipe's output (stdout and stderr, secrets masked), as it
    /// was read: not cut at lines, and a character may be split across two chunks.
    func output(_ target: String, _ chunk: [UInt8])
    /// A recipe ended.
    func finished(_ target: String, _ result: TargetResult)
    /// A target waits for its host (`wait`): one line each attempt.
    func waiting(_ target: String, _ message: String)
    /// Something went wrong that the run survives (a corrupt cache object, a cache that
    /// cannot be written): one line.
    func warning(_ message: String)
    /// Called about every 250 ms while jobs run and nothing else is reported: a live
    /// view redraws its elapsed times.
    func tick()
    /// Every target has heard its fate; nothing more is reported for this run.
    func buildFinished(_ summary: BuildSummary)
}

extension BuildObserver {
    public func buildStarted(_ plan: BuildPlan) {}
    public func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {}
    public func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {}
    public func output(_ target: String, _ chunk: [UInt8]) {}
    public func commands(_ target: String, _ steps: [String]) {}
    public func buildFinished(_ summary: BuildSummary) {}
    public func tick() {}
}

/// How a recipe ended.
public struct TargetResult: Sendable {
    public enum Status: String, Sendable { case ok, failed }
    public var status: Status
    public var durationMs: Int64
    /// For a failure: one line saying why.
    public var failure: String?
    /// For a failure: the last lines of the recipe's output.
    public var tail: [String] = []
    /// The recipe's log file, when logs are kept.
    public var logPath: String?
    /// For a failure: what kind of failure it was.
    public var kind: FailureKind?
    /// For a failure of a recipe step: that step, numbered from 1, and its text.
    public var failedStep: (number: Int, text: String)?
}

/// What a run did, counted by target.
public struct BuildSummary: Equatable, Sendable {
    public var ran = 0
    public var restored = 0
    public var skipped = 0
    public var failed = 0
    /// Targets not run because a dependency failed, or because the run stopped.
    public var blocked = 0
    /// Dry runs: targets that would run.
    public var wouldRun = 0
    /// Cacheable targets that ran because the cache did not have their outputs.
    public var cacheMisses = 0

    public init() {}
}
