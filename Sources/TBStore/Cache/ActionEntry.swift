/// An action-cache entry: the outputs a target's key produced, so that meeting the key
/// again restores them instead of running the recipe.
public struct ActionEntry: Equatable, Sendable {
    public var key: Digest
    /// Output files (and the state file): path relative to the project, digest of the
    /// content (an object in the store), full `st_mode`.
    public var outputs: [OutputRecord]

    public init(key: Digest, outputs: [OutputRecord]) {
        self.key = key
        self.outputs = outputs
    }
}
