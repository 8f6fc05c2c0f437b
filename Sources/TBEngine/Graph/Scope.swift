import TBTargetfile

/// Resolves `$(NAME)` for one target: its own names (`out`, `state`, `root`, `target`,
/// rule parameters), its dependencies' `$(DEP.out)`, `$(DEP.state)`, `$(DEP.KEY)`, and
/// project variables. Records which project variables it expanded and their values,
/// because only what a target uses is part of its key.
struct Scope {
    let variables: Variables
    var locals: [String: String] = [:]
    var parameters: [String: Template] = [:]
    /// Resolves `DEP.MEMBER`; nil when DEP is not a dependency of this target.
    var member: ((_ target: String, _ member: String, _ location: SourceLocation) throws -> String?)?
    /// Project variables expanded so far, name → value.
    private(set) var used: [String: String] = [:]
    private var expanding: [String] = []

    init(variables: Variables) { self.variables = variables }

    mutating func expand(_ template: Template) throws -> String {
        try template.expand { name, location in
            try resolve(name.hasSuffix(":raw") ? String(name.dropLast(4)) : name, at: location)
        }
    }

    /// The value of one reference, for expansions that treat references themselves
    /// (a `run` line's shell splicing).
    mutating func resolveReference(_ name: String, at location: SourceLocation) throws -> String {
        try resolve(name, at: location)
    }

    private mutating func resolve(_ name: String, at location: SourceLocation) throws -> String {
        if let value = locals[name] { return value }
        if let template = parameters[name] {
            // `use rule image=$(image)`: inside its own value, `image` is the variable.
            return try guarded(name, location) { scope in
                let parameter = scope.parameters.removeValue(forKey: name)
                defer { scope.parameters[name] = parameter }
                return try scope.expand(template)
            }
        }
        if let value = variables.overrides[name] {
            used[name] = value
            return value
        }
        if let definition = variables.definitions[name] {
            let value: String
            if definition.isDefault, let fromEnvironment = variables.environment[name] {
                value = fromEnvironment
            } else {
                value = try guarded(name, location) { scope in try scope.expand(definition.value) }
            }
            used[name] = value
            return value
        }
        if let field = try inventoryField(name, at: location) { return field }
        if let dot = name.lastIndex(of: "."), let member = member,
           let value = try member(String(name[..<dot]), String(name[name.index(after: dot)...]), location) {
            return value
        }
        if name.contains(".") {
            let target = name[..<name.lastIndex(of: ".")!]
            throw TargetfileError(location, "'\(target)' in '$(\(name))' is not a dependency of this target")
        }
        if ["out", "state", "root", "target"].contains(name) {
            throw TargetfileError(location, "'$(\(name))' is only known inside a recipe step")
        }
        throw TargetfileError(location, "undefined variable '\(name)'")
    }

    /// `$(node.control.mac)`: a field of the inventory entry of the node that `node`
    /// (a `foreach` variable or a parameter) names. nil when `node` is no such name.
    private mutating func inventoryField(_ name: String, at location: SourceLocation) throws -> String? {
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let head = String(name[..<dot])
        let field = String(name[name.index(after: dot)...])
        let node: String
        if let value = locals[head] { node = value }
        else if let template = parameters[head] { node = try guarded(head, location) { scope in try scope.expand(template) } }
        else { return nil }
        guard !variables.inventory.isEmpty else {
            throw TargetfileError(location, "'$(\(name))' reads the inventory, but none is loaded (add 'inventory PATH' or use --inventory FILE)")
        }
        guard let entry = variables.inventory[node] else {
            throw TargetfileError(location, "node '\(node)' is not in the inventory")
        }
        guard let value = entry[field] else {
            throw TargetfileError(location, "the inventory entry of '\(node)' has no field '\(field)'")
        }
        return value
    }

    private mutating func guarded(_ name: String, _ location: SourceLocation,
                                  _ body: (inout Scope) throws -> String) throws -> String {
        if expanding.contains(name) {
            throw TargetfileError(location, "variable '\(name)' refers to itself: \((expanding + [name]).joined(separator: " -> "))")
        }
        expanding.append(name)
        defer { expanding.removeLast() }
        return try body(&self)
    }
}

/// Project variables and what overrides them.
struct Variables {
    var definitions: [String: VariableDefinition]
    /// `NAME=value` on the command line: overrides every definition.
    var overrides: [String: String]
    /// The process environment: overrides `?=` definitions only.
    var environment: [String: String]
    /// The testbed inventory: node name → field (`control.mac`) → value.
    var inventory: [String: [String: String]] = [:]
    /// Variables declared `secret`.
    var secrets: Set<String> = []
}
