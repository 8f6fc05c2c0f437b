extension BuildGraph {
    /// The facts of each target of the graph named `names` (every target with nil),
    /// in the graph's order.
    public func facts(of names: Set<String>? = nil) -> [TargetFacts] {
        nodes.filter { names?.contains($0.name) ?? true }.map { node in
            TargetFacts(name: node.name, host: node.host, dependencies: node.dependencies.map { nodes[$0].name },
                        after: node.after.map { nodes[$0].name }, inputs: node.inputs.map(\.path),
                        outputs: node.outs, state: node.state)
        }
    }
}
