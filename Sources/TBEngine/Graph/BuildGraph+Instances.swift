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

    /// The names of the nodes a `foreach` target runs on.
    func nodeNames(of spec: TargetSpec) throws -> [String] {
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
        return names
    }

    /// A `foreach` target: one node per node of its spec (each with its own key, trace,
    /// log and host), and an aggregate of them under the target's name.
    final class AddFanOut: GraphStep {
        let spec: TargetSpec
        var pathEntry: String? { spec.name }
        private var names: [String] = []
        private var instances: [Int] = []
        private var aggregating = false

        init(_ spec: TargetSpec, in graph: BuildGraph) { self.spec = spec }

        func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult {
            if aggregating { return .done(returned!) }
            if let returned { instances.append(returned) } else { names = try graph.nodeNames(of: spec) }
            if instances.count < names.count {
                return .need(AddSpec(graph.instance(of: spec, node: names[instances.count]), group: spec.name, in: graph))
            }
            // The instances carry the target's prerequisites; the aggregate only gathers them.
            aggregating = true
            return .need(AddAggregate(spec, over: instances, withPrerequisites: false, in: graph))
        }
    }

    /// A sequence: its steps run one after the other, in the written order (a step
    /// waits until the one before it is settled); the sequence is their aggregate.
    final class AddSequence: GraphStep {
        let spec: TargetSpec
        var pathEntry: String? { spec.name }
        private var scope: Scope
        private var words: WordQueue
        private var current: (word: String, template: Template)?
        private var steps: [Int] = []
        private var aggregating = false

        init(_ spec: TargetSpec, in graph: BuildGraph) {
            self.spec = spec
            scope = Scope(variables: graph.variables)
            scope.parameters = spec.parameters
            words = WordQueue(spec.sequence)
        }

        func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult {
            if aggregating { return .done(returned!) }
            if let step = returned, let (word, template) = current {
                if let previous = steps.last { try graph.order(step, after: previous, word: word, at: template.location, in: spec) }
                steps.append(step)
            }
            guard let next = try words.next(in: &scope) else {
                aggregating = true
                return .need(AddAggregate(spec, over: steps, withPrerequisites: true, in: graph))
            }
            guard graph.isTarget(next.word) else {
                throw TargetfileError(next.template.location, "step '\(next.word)' of '\(spec.name)' is not a target")
            }
            current = next
            return .need(AddName(next.word))
        }
    }

    /// Makes everything step `step` brings (a nested sequence's steps, a fan-out's
    /// instances, its own prerequisites) wait for the step before it, except what that
    /// step already waits for itself (earlier steps, its needs).
    func order(_ step: Int, after previous: Int, word: String, at location: SourceLocation, in spec: TargetSpec) throws {
        var before = waitSet(of: previous)
        before.insert(previous)
        if before.contains(step) {
            let relation = closure(of: previous).contains(step) ? "needs" : "must wait for"
            throw TargetfileError(location, "steps of '\(spec.name)': '\(nodes[previous].name)' \(relation) '\(word)', so '\(word)' cannot come after it")
        }
        for n in closure(of: step) where !before.contains(n) && !nodes[n].after.contains(previous) {
            nodes[n].after.append(previous)
        }
    }

    /// A node named after `spec` that only gathers `members` and its own prerequisites.
    final class AddAggregate: GraphStep {
        let spec: TargetSpec
        var pathEntry: String? { nil }
        private var scope: Scope
        private var words: WordQueue
        private var dependencies: Set<Int>
        private var finishing = false

        init(_ spec: TargetSpec, over members: [Int], withPrerequisites: Bool, in graph: BuildGraph) {
            self.spec = spec
            scope = Scope(variables: graph.variables)
            scope.parameters = spec.parameters
            words = WordQueue(withPrerequisites ? spec.prerequisites : [])
            dependencies = Set(members)
        }

        func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult {
            if finishing {
                graph.nodes[returned!].dependencies = dependencies.sorted { graph.nodes[$0].name < graph.nodes[$1].name }
                return .done(returned!)
            }
            if let returned { dependencies.insert(returned) }
            if let (word, template) = try words.next(in: &scope) {
                guard graph.isTarget(word) else {
                    throw TargetfileError(template.location, "prerequisite '\(word)' of '\(spec.name)' is not a target (a foreach or steps target takes only targets)")
                }
                return .need(AddName(word))
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
            finishing = true
            return .need(AddSpec(aggregate, group: nil, in: graph))
        }
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
