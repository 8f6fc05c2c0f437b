/// What the graph knows of one target, for `tbmake -t query` and `-t clean`.
public struct TargetFacts: Sendable {
    public var name: String
    /// Its host; nil for the implicit local host.
    public var host: String?
    public var dependencies: [String]
    /// The step before it in a sequence, if any.
    public var after: [String]
    /// File inputs, sorted.
    public var inputs: [String]
    public var outputs: [String]
    public var state: String?
}
