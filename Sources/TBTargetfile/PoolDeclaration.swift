/// `pool NAME = N` at top level: at most N recipes of the targets that name the pool
/// (`pool NAME` in their body) run at once, as ninja's pools — an image server that
/// feeds 8 nodes at a time, shared by several targets. `console` is predefined with
/// depth 1: its recipe runs alone, with tbmake's terminal.
public struct PoolDeclaration: Hashable, Sendable {
    public var name: String
    public var depth: Int
    public var location: SourceLocation

    public init(name: String, depth: Int, location: SourceLocation) {
        self.name = name
        self.depth = depth
        self.location = location
    }

    /// The predefined pool whose recipes get the terminal.
    public static let consoleName = "console"
}
