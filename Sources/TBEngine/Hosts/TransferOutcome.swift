/// What a `put` or `get` did: the recipe's log says when a copy was skipped.
public enum TransferOutcome: Equatable, Sendable {
    /// The source was copied to the destination.
    case copied
    /// The destination already held the source's content and mode (same SHA-256), so
    /// nothing was copied; `digest` is that content's, in hex.
    case unchanged(digest: String)
}
