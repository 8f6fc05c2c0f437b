import TBStore
import TBTargetfile

extension BuildGraph {
    /// `add(name)`: the node of target `name` or of instance `name@node`, made if needed.
    final class AddName: GraphStep {
        let name: String
        var pathEntry: String? { nil }

        init(_ name: String) { self.name = name }

        func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult {
            if let existing = try graph.existingNode(name) { return .done(existing) }
            let targetfile = graph.targetfile
            if let base = BuildGraph.instanceBase(of: name, in: targetfile), targetfile.targetIndex[name] == nil {
                let node = String(name[name.index(after: name.lastIndex(of: "@")!)...])
                return .replace(AddSpec(graph.instance(of: targetfile[target: base]!, node: node), group: nil, in: graph))
            }
            let spec = targetfile[target: name]!
            if spec.foreachVariable != nil { return .replace(AddFanOut(spec, in: graph)) }
            if !spec.sequence.isEmpty { return .replace(AddSequence(spec, in: graph)) }
            return .replace(AddSpec(spec, group: nil, in: graph))
        }
    }

    /// `add(spec:)`: a node for `spec` after the targets among its prerequisites.
    final class AddSpec: GraphStep {
        let spec: TargetSpec
        let group: String?
        var pathEntry: String? { spec.name }
        private var scope: Scope
        private var words: WordQueue
        private var started = false
        private var dependencies: Set<Int> = []
        private var inputs: [String: FileStat] = [:]

        init(_ spec: TargetSpec, group: String?, in graph: BuildGraph) {
            self.spec = spec
            self.group = group
            scope = Scope(variables: graph.variables)
            scope.parameters = spec.parameters
            words = WordQueue(spec.prerequisites)
        }

        func resume(_ graph: BuildGraph, with returned: Int?) throws -> GraphStepResult {
            if !started {
                if let existing = graph.nodeIndex[spec.name] { return .done(existing) }
                started = true
            }
            if let returned { dependencies.insert(returned) }
            while let (word, template) = try words.next(in: &scope) {
                if graph.isTarget(word) { return .need(AddName(word)) }
                try graph.addInputs(word, at: template.location, to: &inputs)
            }
            return .done(try graph.makeNode(spec, group: group, dependencies: dependencies, inputs: inputs, scope: &scope))
        }
    }
}
