extension NodeSpec {
    /// A word that is not a node spec: `malformed node spec 'fedora-21': expected …`.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The word as given, `~` included.
        public var word: String
        /// Why it is not a node spec.
        public var reason: String

        public init(word: String, reason: String) {
            self.word = word
            self.reason = reason
        }

        public var description: String { "malformed node spec '\(word)': \(reason)" }
    }
}
