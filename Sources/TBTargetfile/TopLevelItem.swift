/// One top-level statement of a single Targetfile, before includes are followed.
enum TopLevelItem {
    case include(Template)
    /// `lock PATH`: a file locked for the whole run.
    case lock(Template)
    /// `inventory PATH`: the testbed's JSON inventory of nodes.
    case inventory(Template)
    /// `secret NAME...`: variables whose values must never be shown.
    case secret([String], SourceLocation)
    case variable(VariableDefinition)
    case host(HostDeclaration)
    /// `pool NAME = N`.
    case pool(PoolDeclaration)
    case rule(RuleDeclaration)
    case target(TargetDeclaration)
}
