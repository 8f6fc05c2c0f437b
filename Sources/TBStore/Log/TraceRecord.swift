/// What tbmake remembers of a target's last successful run.
public struct TraceRecord: Equatable, Sendable {
    /// Target or instance name: "dev-rpm", "load-image@fit03".
    public var target: String
    /// The key the target ran under.
    public var key: Digest
    /// The key's parts in the order they were hashed, e.g. ("var:version", "1.0"),
    /// ("recipe", hex), ("in:src/a.c", hex), ("dep:dev-rpm", hex).
    public var components: [KeyComponent]
    /// Declared output files and the state file.
    public var outputs: [OutputRecord]
    /// What dependents fold into their own key.
    public var outputDigest: Digest
    /// Wall clock at the end of the run, ms since the epoch.
    public var finishedAtMs: Int64
    public var durationMs: Int64

    public init(
        target: String, key: Digest, components: [KeyComponent], outputs: [OutputRecord],
        outputDigest: Digest, finishedAtMs: Int64, durationMs: Int64
    ) {
        self.target = target
        self.key = key
        self.components = components
        self.outputs = outputs
        self.outputDigest = outputDigest
        self.finishedAtMs = finishedAtMs
        self.durationMs = durationMs
    }
}
