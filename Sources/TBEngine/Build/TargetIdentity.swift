/// Who a target of a run is, as observers show it: its full name, the target of the
/// Targetfile it comes from, the node it is an instance for, and the host it runs on.
public struct TargetIdentity: Sendable, Equatable {
    /// `load-image@fit03`, or `dev-rpm`.
    public var name: String
    /// `load-image`; the name itself for a target that is not an instance.
    public var base: String
    /// `fit03` for an instance of a `foreach` target; nil otherwise.
    public var node: String?
    /// The host its recipe runs on (`local` for the implicit local host).
    public var host: String
    /// Whether it has a recipe (an aggregate has none).
    public var hasRecipe: Bool
    /// The targets it waits for: its dependencies, then the step before it in a sequence.
    public var dependencies: [String] = []

    public init(name: String, base: String, node: String?, host: String, hasRecipe: Bool, dependencies: [String] = []) {
        self.dependencies = dependencies
        self.name = name
        self.base = base
        self.node = node
        self.host = host
        self.hasRecipe = hasRecipe
    }

    /// The track a timeline shows it on: its node, else its host.
    public var track: String { node ?? host }
}
