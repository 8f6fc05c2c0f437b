/// `NAME: PREREQUISITES` and its body, as written (before `use` is resolved).
public struct TargetDeclaration: Hashable, Sendable {
    public var name: String
    public var prerequisites: [Template]
    public var body: [LocatedStatement]
    /// The comment line directly above the declaration, shown by `--list`.
    public var comment: String?
    public var location: SourceLocation
}
