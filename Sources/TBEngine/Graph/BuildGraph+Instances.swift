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
        // NODE_PREFIX and NODE_DIGITS, when defined, say how numbered nodes are called
        // (`NODE_PREFIX = cn`, `NODE_DIGITS = 3`: 1-3 is cn001 … cn003).
        func setting(_ name: String) throws -> String? {
            guard variables.overrides[name] != nil || variables.definitions[name] != nil else { return nil }
            return try scope.resolveReference(name, at: nodesTemplate.location)
        }
        let prefix = try setting("NODE_PREFIX")
        var digits = 2
        if let text = try setting("NODE_DIGITS") {
            guard let value = Int(text), (1...9).contains(value) else {
                throw TargetfileError(nodesTemplate.location, "NODE_DIGITS must be a number from 1 to 9, not '\(text)'")
            }
            digits = value
        }
        let names: [String]
        do {
            names = try NodeSpec(words, prefixes: prefix.map { [$0] } ?? NodeSpec.defaultPrefixes)
                .names(prefix: prefix ?? "fit", digits: digits)
        } catch {
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
                // Everything the step brings (a nested sequence's steps, a fan-out's
                // instances, its own prerequisites) waits for the step before it, except
                // what that step already waits for itself (earlier steps, its needs).
                var before = waitSet(of: previous)
                before.insert(previous)
                if before.contains(step) {
                    let relation = closure(of: previous).contains(step) ? "needs" : "must wait for"
                    throw TargetfileError(template.location, "steps of '\(spec.name)': '\(nodes[previous].name)' \(relation) '\(word)', so '\(word)' cannot come after it")
                }
                for n in closure(of: step) where !before.contains(n) && !nodes[n].after.contains(previous) {
                    nodes[n].after.append(previous)
                }
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

    /// `n` and everything it depends on, directly or not.
    private func closure(of n: Int) -> Set<Int> {
        var seen: Set<Int> = [n]
        var stack = [n]
        while let m = stack.popLast() {
            for d in nodes[m].dependencies where seen.insert(d).inserted { stack.append(d) }
        }
        return seen
    }

    /// Everything `a` waits for, through dependencies or the order of steps.
    private func waitSet(of a: Int) -> Set<Int> {
        var seen: Set<Int> = []
        var stack = [a]
        while let n = stack.popLast() {
            for d in nodes[n].dependencies + nodes[n].after where seen.insert(d).inserted { stack.append(d) }
        }
        return seen
    }
}
