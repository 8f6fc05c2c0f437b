import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import TBEngine
import TBStore

/// `-t TOOL`: make's and ninja's small tools over the graph of the asked targets.
/// - `clean`: removes the outputs and state files of the asked targets and of every
///   target they depend on (with no target, the default target's);
/// - `forget TARGET...`: drops each target's traces, so that it runs next time;
/// - `query TARGET`: its host, dependencies, inputs, outputs, state file, when it last
///   ran and the components of its last key.
extension Invocation {
    static let tools = ["clean", "forget", "query"]

    func runTool(_ tool: String, _ graph: BuildGraph, log: BuildLog) throws -> Int32 {
        switch tool {
        case "clean": return clean(graph)
        case "forget": return try forget(graph, log: log)
        case "query": return try query(graph, log: log)
        default:
            throw Stop(message: "-t \(tool): no such tool (tools: \(Invocation.tools.joined(separator: ", ")))", exitStatus: 2)
        }
    }

    private func clean(_ graph: BuildGraph) -> Int32 {
        var removed = 0
        for facts in graph.facts() {
            for path in facts.outputs + (facts.state.map { [$0] } ?? []) {
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if (try? FileManager.default.removeItem(atPath: path)) != nil {
                    removed += 1
                } else {
                    Terminal.err("tbmake: cannot remove \(printable(path))\n")
                }
            }
        }
        Terminal.out("tbmake: removed \(removed) \(removed == 1 ? "file" : "files")\n")
        return 0
    }

    private func forget(_ graph: BuildGraph, log: BuildLog) throws -> Int32 {
        let names = command.targets
        guard !names.isEmpty else { throw Stop(message: "-t forget needs at least one TARGET", exitStatus: 2) }
        for name in names {
            do { try log.remove(target: name) } catch { throw Stop(message: "cannot forget \(name): \(error)", exitStatus: 1) }
            Terminal.out("tbmake: forgot \(name): it runs next time\n")
        }
        do { try log.close() } catch { throw Stop(message: "\(error)", exitStatus: 1) }
        return 0
    }

    private func query(_ graph: BuildGraph, log: BuildLog) throws -> Int32 {
        guard command.targets.count == 1, let name = command.targets.first,
              let facts = graph.facts(of: [name]).first else {
            throw Stop(message: "-t query needs exactly one TARGET", exitStatus: 2)
        }
        func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.map { printable($0) }.joined(separator: " ") }
        var text = "\(name):\n"
        text += "  host: \(facts.host ?? "local")\n"
        text += "  dependencies: \(list(facts.dependencies))\n"
        if !facts.after.isEmpty { text += "  after: \(list(facts.after))\n" }
        text += "  inputs: \(list(facts.inputs))\n"
        text += "  outputs: \(list(facts.outputs))\n"
        if let state = facts.state { text += "  state: \(printable(state))\n" }
        if let trace = log.trace(for: name) {
            let date = Date(timeIntervalSince1970: Double(trace.finishedAtMs) / 1000)
            text += "  last run: \(date.formatted(.iso8601)), \(Double(trace.durationMs / 100) / 10)s\n"
            text += "  last key:\n"
            for component in trace.components {
                text += "    \(printable(component.name)) \(printable(component.value))\n"
            }
        } else {
            text += "  last run: never\n"
        }
        Terminal.out(text)
        return 0
    }
}
