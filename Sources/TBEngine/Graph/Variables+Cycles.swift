import TBTargetfile

extension Variables {
    /// Throws for a variable whose definition refers to itself, directly (`v = $(v)-1`)
    /// or through others (`x = $(y)`, `y = $(x)`), as make does, before anything runs.
    /// Only definitions that are expanded count: one overridden on the command line, or
    /// a `?=` one the environment sets, is never read (the value given is taken as it is).
    /// The walk keeps its own stack, so a chain of any length is checked.
    func checkCycles() throws {
        var done: [String: Bool] = [:]   // false: on the path being walked
        let roots = definitions.values.filter(isExpanded).sorted {
            ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column)
        }
        for root in roots where done[root.name] == nil {
            var path = [Visit(root)]
            done[root.name] = false
            while !path.isEmpty {
                let top = path.count - 1
                guard path[top].next < path[top].references.count else {
                    done[path.removeLast().name] = true
                    continue
                }
                let (name, location) = path[top].references[path[top].next]
                path[top].next += 1
                guard let definition = definitions[name], isExpanded(definition) else { continue }
                switch done[name] {
                case true?:
                    continue
                case false?:
                    let start = path.firstIndex { $0.name == name }!
                    let chain = path[start...].map(\.name) + [name]
                    throw TargetfileError(location, "variable '\(name)' refers to itself: \(chain.joined(separator: " -> "))")
                case nil:
                    done[name] = false
                    path.append(Visit(definition))
                }
            }
        }
    }

    /// Whether `definition`'s value is what `$(NAME)` reads.
    private func isExpanded(_ definition: VariableDefinition) -> Bool {
        overrides[definition.name] == nil && !(definition.isDefault && environment[definition.name] != nil)
    }

    /// A definition on the path of the walk, and the next of its references to follow.
    private struct Visit {
        let name: String
        let references: [(name: String, location: SourceLocation)]
        var next = 0

        init(_ definition: VariableDefinition) {
            name = definition.name
            references = definition.value.references.map { reference in
                let name = reference.name.hasSuffix(":raw") ? String(reference.name.dropLast(4)) : reference.name
                return (name, reference.location)
            }
        }
    }
}
