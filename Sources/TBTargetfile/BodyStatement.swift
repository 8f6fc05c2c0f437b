/// One line of a target's or rule's body. Every body line starts with a keyword.
public enum BodyStatement: Hashable, Sendable {
    case host(Template)
    case out([Template])
    case state(Template)
    case always
    /// Never restore this target's outputs from the artifact cache, nor store them there.
    case nocache
    /// Seconds.
    case timeout(Double)
    case retry(Int)
    case env(name: String, value: Template)
    case run(Template)
    case put(from: Template, to: Template)
    case get(from: Template, to: Template)
    /// `pack ROOT PATH... -> ARCHIVE MANIFEST`: a snapshot of PATHs under ROOT.
    case pack(root: Template, paths: [Template], to: [Template])
    /// `unpack ARCHIVE MANIFEST -> DIRECTORY`: extract a snapshot, checked against its manifest.
    case unpack(from: [Template], to: Template)
    /// `exclude PATTERN...`: left out of this target's `pack` steps.
    case exclude([Template])
    case use(rule: String, bindings: [Binding])
    /// `foreach VAR in NODESPEC`: one instance of the target per node.
    case foreach(variable: String, nodes: Template)
    /// `wait DURATION`: before deciding the target, wait for its host to answer.
    case wait(Double)
    /// `parallel N`: at most N instances of a `foreach` target run at once.
    case parallel(Int)
    /// `steps A B C`: run these targets one after the other, in the written order.
    case steps([Template])
    /// `pool NAME`: the target's recipe takes a slot of pool NAME.
    case pool(String)

    /// A rule parameter bound by `use RULE NAME=VALUE`.
    public struct Binding: Hashable, Sendable {
        public var name: String
        public var value: Template
    }

    /// The keywords a body line may start with, in the order the docs list them.
    public static let keywords = ["host", "out", "state", "always", "nocache", "timeout", "retry", "env", "run", "put", "get", "pack", "unpack", "exclude", "use", "foreach", "parallel", "pool", "steps", "wait"]
}

/// A body statement and where it was written.
public struct LocatedStatement: Hashable, Sendable {
    public var statement: BodyStatement
    public var location: SourceLocation
}
