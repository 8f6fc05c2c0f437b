/// `rule NAME(P1, P2): PREREQUISITES` and its body: taken into targets by `use`.
public struct RuleDeclaration: Hashable, Sendable {
    public var name: String
    public var parameters: [String]
    public var prerequisites: [Template]
    public var body: [LocatedStatement]
    public var location: SourceLocation
}
