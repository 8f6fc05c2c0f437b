/// Receives what a run does, as it happens, on the scheduler's thread. The command line
/// turns these into progress lines, `--explain` reasons or `--json` events.
public protocol BuildObserver: AnyObject {
    /// Every target of the closure is decided once (also in dry runs).
    func decided(_ target: String, _ decision: Decision)
    /// A recipe starts; `started` counts the recipes started so far, `total` the targets
    /// of the closure that have a recipe.
    func started(_ target: String, started: Int, total: Int)
    /// A recipe ended.
    func finished(_ target: String, _ result: TargetResult)
    /// A target waits for its host (`wait`): one line each attempt.
    func waiting(_ target: String, _ message: String)
    /// Something went wrong that the run survives (a corrupt cache object, a cache that
    /// cannot be written): one line.
    func warning(_ message: String)
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
