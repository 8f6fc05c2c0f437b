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
    /// Variables and parameters being expanded, outermost first, and as a set.
    private var expanding: [String] = []
    private var expandingNames: Set<String> = []

    init(variables: Variables) { self.variables = variables }

    /// The template's text with every reference replaced by its value. Values that are
    /// templates themselves (variables, rule parameters) are expanded on a stack of this
    /// function's own, not by recursion: a chain of 100,000 variables is fine.
    mutating func expand(_ template: Template) throws -> String {
        if template.parts.count == 1, case .literal(let s) = template.parts[0] { return s }
        var stack = [Expansion(template: template, binding: nil)]
        do {
            while true {
                let top = stack.count - 1
                guard stack[top].next < stack[top].template.parts.count else {
                    let done = stack.removeLast()
                    guard let binding = done.binding else { return done.text }
                    finish(binding, value: done.text)
                    stack[stack.count - 1].text += done.text
                    continue
                }
                let part = stack[top].template.parts[stack[top].next]
                stack[top].next += 1
                switch part {
                case .literal(let s):
                    stack[top].text += s
                case .reference(let written, let column):
                    let name = written.hasSuffix(":raw") ? String(written.dropLast(4)) : written
                    let location = SourceLocation(file: stack[top].template.location.file,
                                                  line: stack[top].template.location.line, column: column)
                    switch try resolve(name, at: location) {
                    case .value(let value):
                        stack[top].text += value
                    case .template(let value, let binding):
                        try begin(binding, at: location)
                        stack.append(Expansion(template: value, binding: binding))
                    }
                }
            }
        } catch {
            // Leaves the scope as it was, for a caller that goes on after the error.
            while let frame = stack.popLast() {
                if let binding = frame.binding { finish(binding, value: nil) }
            }
            throw error
        }
    }

    /// The template expanded and split into words at blanks, as a list of
    /// prerequisites or outs is (`SRCS = a.c b.c`; `\ ` keeps a blank in a word).
    mutating func expandWords(_ template: Template) throws -> [String] {
        Words.split(try expand(template))
    }

    /// The value of one reference, for expansions that treat references themselves
    /// (a `run` line's shell splicing).
    mutating func resolveReference(_ name: String, at location: SourceLocation) throws -> String {
        try expand(Template(parts: [.reference(name, column: location.column)], location: location))
    }

    /// A template being expanded: the parts done so far and what its value is of.
    private struct Expansion {
        let template: Template
        var next = 0
        var text = ""
        let binding: Binding?

        init(template: Template, binding: Binding?) {
            self.template = template
            self.binding = binding
        }
    }

    /// What a template's expansion is the value of.
    private enum Binding {
        case variable(String)
        /// A rule parameter, hidden while its own value expands.
        case parameter(String, Template)

        var name: String {
            switch self {
            case .variable(let name), .parameter(let name, _): return name
            }
        }
    }

    private enum Resolution {
        case value(String)
        case template(Template, Binding)
    }

    private mutating func begin(_ binding: Binding, at location: SourceLocation) throws {
        let name = binding.name
        if expandingNames.contains(name) {
            throw TargetfileError(location, "variable '\(name)' refers to itself: \((expanding + [name]).joined(separator: " -> "))")
        }
        expanding.append(name)
        expandingNames.insert(name)
        // `use rule image=$(image)`: inside its own value, `image` is the variable.
        if case .parameter = binding { parameters[name] = nil }
    }

    /// Ends the expansion of `binding`; `value` is nil when it failed.
    private mutating func finish(_ binding: Binding, value: String?) {
        expandingNames.remove(expanding.removeLast())
        switch binding {
        case .variable(let name): if let value { used[name] = value }
        case .parameter(let name, let template): parameters[name] = template
        }
    }

    private mutating func resolve(_ name: String, at location: SourceLocation) throws -> Resolution {
        if let value = locals[name] { return .value(value) }
        if let template = parameters[name] { return .template(template, .parameter(name, template)) }
        if let value = variables.overrides[name] {
            used[name] = value
            return .value(value)
        }
        if let definition = variables.definitions[name] {
            if definition.isDefault, let fromEnvironment = variables.environment[name] {
                used[name] = fromEnvironment
                return .value(fromEnvironment)
            }
            return .template(definition.value, .variable(name))
        }
        if let field = try inventoryField(name, at: location) { return .value(field) }
        if let dot = name.lastIndex(of: "."), let member = member,
           let value = try member(String(name[..<dot]), String(name[name.index(after: dot)...]), location) {
            return .value(value)
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
        if let value = locals[head] {
            node = value
        } else if parameters[head] != nil {
            node = try resolveReference(head, at: location)
        } else {
            return nil
        }
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
