import TBStore

/// How a run behaves: the make-like flags.
public struct BuildOptions: Sendable {
    /// Recipes running at once on the implicit local host (`-j`). Recipes on named hosts,
    /// and the instances of a fan-out with `parallel N`, are bounded by `parallel` instead.
    public var jobs: Int = 1
    /// Keep going after a failure with what does not depend on it (`-k`).
    public var keepGoing = false
    /// Decide, report, touch nothing (`-n`, also `-q`).
    public var dryRun = false
    /// With `dryRun`: reach no host (`--offline`); each host's identity is taken from the
    /// target's last trace, as if the host were unchanged.
    public var offline = false
    /// Run every target of the closure (`-B`).
    public var force = false
    /// Restore outputs from the artifact cache when it has them (`--no-restore` turns
    /// it off for one run; outputs are still stored).
    public var restoreFromCache = true
    /// First pause between attempts to reach a host a target `wait`s for; it doubles,
    /// up to 10 s.
    public var waitBackoff: Double = 0.5
    /// What `wait` measures time with (a virtual clock in tests).
    public var clock: any BuildClock = SystemClock()
    /// Directory of per-target logs; nil for none.
    public var logDirectory: String?
    /// Values never shown: recipe logs and failures mask them, and the run adds what
    /// it finds derived from them (see `Secrets`).
    public var secrets = Secrets()
    /// Keys the fingerprints of secret values in traces (the project's `.tbmake/secret-key`).
    public var secretKey = SecretKey(bytes: [])

    public init() {}
}
