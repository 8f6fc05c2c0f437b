/// `NAME = VALUE` or `NAME ?= VALUE` at the top level of a Targetfile.
public struct VariableDefinition: Hashable, Sendable {
    public var name: String
    public var value: Template
    /// `?=`: the environment may override it.
    public var isDefault: Bool
    public var location: SourceLocation
}
