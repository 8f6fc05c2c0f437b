/// A target with its `use`d rules taken in: everything the engine needs to know about
/// it, with templates still unexpanded.
public struct TargetSpec: Hashable, Sendable {
    public var name: String
    public var location: SourceLocation
    /// The one-line description from the comment above it.
    public var comment: String?
    public var prerequisites: [Template]
    /// Rule parameters bound by `use`, visible to every template of the target.
    public var parameters: [String: Template]
    public var host: Template?
    public var outs: [Template]
    public var state: Template?
    public var always: Bool
    /// `nocache`: outputs are never restored from, nor stored in, the artifact cache.
    public var noCache: Bool = false
    /// Seconds.
    public var timeout: Double?
    public var retry: Int
    public var environment: [EnvironmentSetting]
    public var steps: [RecipeStepTemplate]
    /// `exclude` patterns of the target's `pack` steps.
    public var excludes: [Template] = []
    /// Declared with prerequisites and no body (`all: a b c`): nothing of its own to run.
    public var isAggregate: Bool
    /// `foreach VAR in NODES`: the variable each instance binds to its node…
    public var foreachVariable: String?
    /// …and the node spec (`$(NODES)`, `1-12 ~4-6`).
    public var foreachNodes: Template?
    /// `wait DURATION`: seconds to wait for the host to answer before deciding.
    public var wait: Double?
    /// `parallel N`: most instances running at once.
    public var parallel: Int?
    /// `pool NAME`: the pool whose slot the recipe takes, and where it was named.
    public var pool: String?
    public var poolLocation: SourceLocation?
    /// `steps A B C`: a sequence, whose targets run in this order; it has no recipe.
    public var sequence: [Template] = []

    /// `env NAME=VALUE` in a body.
    public struct EnvironmentSetting: Hashable, Sendable {
        public var name: String
        public var value: Template
    }
}
