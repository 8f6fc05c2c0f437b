import TBTargetfile

extension BuildGraph {
    /// Expands a template of the Targetfile's top level (no target's own names);
    /// `locals` adds names such as `host` for a host declaration.
    public func expandTopLevel(_ template: Template, locals: [String: String] = [:]) throws -> String {
        var scope = Scope(variables: variables)
        scope.locals = locals
        return try scope.expand(template)
    }

    /// The same, before there is a graph (for what the graph needs, as the inventory).
    public static func expandTopLevel(_ template: Template, of targetfile: Targetfile,
                                      overrides: [String: String], environment: [String: String]) throws -> String {
        var scope = Scope(variables: Variables(definitions: targetfile.variables, overrides: overrides, environment: environment))
        return try scope.expand(template)
    }

    /// Hosts named by the targets of the graph (the implicit local host excluded).
    public var hostsUsed: Set<String> { Set(nodes.compactMap(\.host)) }

    /// (target, dependency) pairs.
    public var edges: [(String, String)] {
        nodes.flatMap { node in node.dependencies.map { (node.name, nodes[$0].name) } }
    }

    /// (target, file input) pairs.
    public var fileInputs: [(String, String)] {
        nodes.flatMap { node in node.inputs.map { (node.name, $0.path) } }
    }
}
