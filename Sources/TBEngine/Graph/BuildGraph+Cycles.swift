import TBTargetfile

extension BuildGraph {
    /// Finds a dependency cycle among the targets reachable from `requested`, looking only
    /// at prerequisites that name targets, and reports it as `a -> b -> a` at the
    /// declaration of its first target.
    func checkCycles(from requested: [String]) throws {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ name: String) throws {
            switch marks[name] {
            case .done: return
            case .visiting:
                let start = path.firstIndex(of: name)!
                let cycle = path[start...] + [name]
                let location = targetfile[target: name]!.location
                throw TargetfileError(location, "dependency cycle: \(cycle.joined(separator: " -> "))")
            case nil: break
            }
            marks[name] = .visiting
            path.append(name)
            let spec = targetfile[target: name]!
            var scope = Scope(variables: variables)
            scope.parameters = spec.parameters
            for template in spec.prerequisites {
                let word = try scope.expand(template)
                if targetfile.targetIndex[word] != nil { try visit(word) }
            }
            path.removeLast()
            marks[name] = .done
        }
        for name in requested { try visit(name) }
    }
}
