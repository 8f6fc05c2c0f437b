import TBTargetfile

extension BuildGraph {
    /// For `load-image@fit03`: `load-image`, when that target has a `foreach`.
    public static func instanceBase(of name: String, in targetfile: Targetfile) -> String? {
        guard let at = name.lastIndex(of: "@") else { return nil }
        let base = String(name[..<at])
        guard let spec = targetfile[target: base], spec.foreachVariable != nil else { return nil }
        return base
    }

    /// The spec of one instance: the target's own, named `target@node`, with the
    /// `foreach` variable bound to the node.
    func instance(of spec: TargetSpec, node: String) -> TargetSpec {
        var instance = spec
        instance.name = "\(spec.name)@\(node)"
        instance.parameters[spec.foreachVariable!] = Template(literal: node, location: spec.foreachNodes!.location)
        instance.foreachVariable = nil
        instance.foreachNodes = nil
        return instance
    }

    /// A `foreach` target: one node per node of its spec (each with its own key, trace,
    /// log and host), and an aggregate of them under the target's name.
    func addFanOut(_ spec: TargetSpec) throws -> Int {
        var scope = Scope(variables: variables)
        scope.parameters = spec.parameters
        let nodesTemplate = spec.foreachNodes!
        let words = try scope.expand(nodesTemplate)
        let names: [String]
        do { names = try NodeSpec(words).names() } catch {
            throw TargetfileError(nodesTemplate.location, "\(error)")
        }
        guard !names.isEmpty else {
            throw TargetfileError(nodesTemplate.location, "'\(spec.name)' runs on no node: '\(nodesTemplate)' is empty (set NODES, or use -a)")
        }
        var instances: [Int] = []
        for node in names {
            instances.append(try add(spec: instance(of: spec, node: node), group: spec.name))
        }
        // The instances carry the target's prerequisites; the aggregate only gathers them.
        return try addAggregate(of: spec, over: instances, withPrerequisites: false)
    }

    /// A sequence: its steps run one after the other, in the written order (a step
    /// waits until the one before it is settled); the sequence is their aggregate.
    func addSequence(_ spec: TargetSpec) throws -> Int {
        var scope = Scope(variables: variables)
        scope.parameters = spec.parameters
        var steps: [Int] = []
        for template in spec.sequence {
            let word = try scope.expand(template)
            guard targetfile.targetIndex[word] != nil || BuildGraph.instanceBase(of: word, in: targetfile) != nil else {
                throw TargetfileError(template.location, "step '\(word)' of '\(spec.name)' is not a target")
            }
            let step = try add(word)
            if let previous = steps.last {
                if step == previous || dependsOn(previous, step) {
                    throw TargetfileError(template.location, "steps of '\(spec.name)': '\(nodes[previous].name)' needs '\(word)', so '\(word)' cannot come after it")
                }
                if !nodes[step].after.contains(previous) { nodes[step].after.append(previous) }
            }
            steps.append(step)
        }
        return try addAggregate(of: spec, over: steps, withPrerequisites: true)
    }

    /// A node named after `spec` that only gathers `members` and its own prerequisites.
    private func addAggregate(of spec: TargetSpec, over members: [Int], withPrerequisites: Bool) throws -> Int {
        var scope = Scope(variables: variables)
        scope.parameters = spec.parameters
        var dependencies = Set(members)
        for template in withPrerequisites ? spec.prerequisites : [] {
            let word = try scope.expand(template)
            guard targetfile.targetIndex[word] != nil || BuildGraph.instanceBase(of: word, in: targetfile) != nil else {
                throw TargetfileError(template.location, "prerequisite '\(word)' of '\(spec.name)' is not a target (a foreach or steps target takes only targets)")
            }
            dependencies.insert(try add(word))
        }
        var aggregate = spec
        aggregate.prerequisites = []
        aggregate.steps = []
        aggregate.sequence = []
        aggregate.outs = []
        aggregate.state = nil
        aggregate.host = nil
        aggregate.foreachVariable = nil
        aggregate.foreachNodes = nil
        aggregate.isAggregate = true
        let index = try add(spec: aggregate)
        nodes[index].dependencies = dependencies.sorted { nodes[$0].name < nodes[$1].name }
        return index
    }

    /// Whether `a` depends, directly or not, on `b`.
    private func dependsOn(_ a: Int, _ b: Int) -> Bool {
        var seen: Set<Int> = []
        var stack = [a]
        while let n = stack.popLast() {
            for d in nodes[n].dependencies where seen.insert(d).inserted {
                if d == b { return true }
                stack.append(d)
            }
        }
        return false
    }
}
