/// How a run behaves: the make-like flags.
public struct BuildOptions: Sendable {
    /// Recipes running at once (`-j`).
    public var jobs: Int = 1
    /// Keep going after a failure with what does not depend on it (`-k`).
    public var keepGoing = false
    /// Decide, report, touch nothing (`-n`, also `-q`).
    public var dryRun = false
    /// Run every target of the closure (`-B`).
    public var force = false
    /// Restore outputs from the artifact cache when it has them (`--no-restore` turns
    /// it off for one run; outputs are still stored).
    public var restoreFromCache = true
    /// Directory of per-target logs; nil for none.
    public var logDirectory: String?

    public init() {}
}
