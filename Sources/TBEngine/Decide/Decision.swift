/// What the engine does with a target, and why.
public struct Decision: Equatable, Sendable {
    public enum Action: String, Sendable {
        case run
        case skip
        case restore
    }

    public var action: Action
    public var reason: RebuildReason

    public init(_ action: Action, _ reason: RebuildReason) {
        self.action = action
        self.reason = reason
    }
}
