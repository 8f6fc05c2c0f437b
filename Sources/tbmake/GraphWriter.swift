import TBEngine

/// `--graph`: the asked targets and what they need, in Graphviz dot.
enum GraphWriter {
    static func dot(_ graph: BuildGraph) -> String {
        var text = "digraph tbmake {\n  rankdir=\"LR\";\n  node [fontsize=10, shape=box, height=0.25];\n"
        for target in graph.targetNames {
            text += "  \(JSON.quote(target));\n"
        }
        for (target, dependency) in graph.edges {
            text += "  \(JSON.quote(target)) -> \(JSON.quote(dependency));\n"
        }
        for (target, input) in graph.fileInputs {
            text += "  \(JSON.quote(input)) [shape=note];\n  \(JSON.quote(target)) -> \(JSON.quote(input));\n"
        }
        return text + "}\n"
    }
}
