import TBTargetfile

extension BuildGraph {
    /// Checks, before anything runs, that every `$(…)` in a target's recipe can be
    /// resolved when the target runs: a misspelt variable is a Targetfile error, not a
    /// failure halfway through a run.
    func checkRecipeReferences(_ node: Node) throws {
        let spec = node.spec
        var templates: [Template] = spec.environment.map(\.value)
        for step in spec.steps {
            switch step.action {
            case .run(let t): templates.append(t)
            case .put(let f, let t), .get(let f, let t): templates += [f, t]
            case .pack(let root, let paths, let to): templates += [root] + paths + to + spec.excludes
            case .unpack(let from, let to): templates += from + [to]
            }
        }
        for template in templates {
            for (name, location) in template.references {
                try checkReference(name, at: location, in: node)
            }
        }
    }

    private func checkReference(_ written: String, at location: SourceLocation, in node: Node) throws {
        let name = written.hasSuffix(":raw") ? String(written.dropLast(4)) : written
        switch name {
        case "root", "target": return
        case "out":
            if node.outs.isEmpty { throw TargetfileError(location, "'$(out)' used but '\(node.name)' declares no out") }
            return
        case "state":
            if node.state == nil { throw TargetfileError(location, "'$(state)' used but '\(node.name)' declares no state") }
            return
        default: break
        }
        if node.spec.parameters[name] != nil || variables.overrides[name] != nil || variables.definitions[name] != nil {
            return
        }
        if let dot = name.firstIndex(of: "."), node.spec.parameters[String(name[..<dot])] != nil {
            return   // an inventory field of the node a parameter names; checked when expanded
        }
        if let dot = name.lastIndex(of: ".") {
            let target = String(name[..<dot])
            guard let d = node.dependencies.first(where: { nodes[$0].name == target }) else {
                throw TargetfileError(location, "'\(target)' in '$(\(name))' is not a dependency of '\(node.name)'")
            }
            try checkMember(String(name[name.index(after: dot)...]), of: nodes[d], at: location, written: name)
            return
        }
        throw TargetfileError(location, "undefined variable '\(name)'")
    }

    /// `$(DEP.out)` needs an `out` of DEP; `$(DEP.state)` and `$(DEP.KEY)` its `state`.
    private func checkMember(_ member: String, of dependency: Node, at location: SourceLocation, written: String) throws {
        switch member {
        case "out":
            if dependency.outs.isEmpty {
                throw TargetfileError(location, "'$(\(written))' used but '\(dependency.name)' declares no out")
            }
        case "state":
            if dependency.state == nil {
                throw TargetfileError(location, "'$(\(written))' used but '\(dependency.name)' declares no state")
            }
        default:
            if dependency.state == nil {
                throw TargetfileError(location, "'$(\(written))' reads the state file of '\(dependency.name)', which declares no state")
            }
        }
    }
}
