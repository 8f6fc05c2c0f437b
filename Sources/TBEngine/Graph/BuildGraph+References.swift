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
            if node.dependencies.contains(where: { nodes[$0].name == target }) { return }
            throw TargetfileError(location, "'\(target)' in '$(\(name))' is not a dependency of '\(node.name)'")
        }
        throw TargetfileError(location, "undefined variable '\(name)'")
    }
}
