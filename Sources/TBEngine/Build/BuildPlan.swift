/// What a run is about to do, handed to observers before the first decision.
public struct BuildPlan: Sendable {
    /// Every target of the closure, in the graph's order.
    public var targets: [TargetIdentity]
    /// The targets that have a recipe.
    public var totalWithRecipe: Int
    public var dryRun: Bool
    /// When the run started.
    public var startedAt: ContinuousClock.Instant

    public init(targets: [TargetIdentity], totalWithRecipe: Int, dryRun: Bool, startedAt: ContinuousClock.Instant) {
        self.targets = targets
        self.totalWithRecipe = totalWithRecipe
        self.dryRun = dryRun
        self.startedAt = startedAt
    }
}
