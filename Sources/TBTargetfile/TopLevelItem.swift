/// One top-level statement of a single Targetfile, before includes are followed.
enum TopLevelItem {
    case include(Template)
    case variable(VariableDefinition)
    case host(HostDeclaration)
    case rule(RuleDeclaration)
    case target(TargetDeclaration)
}
