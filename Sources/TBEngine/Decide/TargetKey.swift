import TBStore

/// The key of a target and the parts it was computed from, in a fixed order:
/// variables used (`var:NAME`), host identity (`host:NAME`), the expanded recipe
/// (`recipe`), file inputs (`in:PATH`), dependencies (`dep:NAME`).
struct TargetKey {
    /// Bumped whenever what goes into a key changes, so that old traces never match.
    static let formatVersion = "tbmake-key-v1"

    var components: [KeyComponent] = []

    mutating func add(_ name: String, _ value: String) {
        components.append(KeyComponent(name: name, value: value))
    }

    func digest(using hasher: SHA256Hasher) -> Digest {
        hasher.updateField(TargetKey.formatVersion)
        for c in components {
            hasher.updateField(c.name)
            hasher.updateField(c.value)
        }
        return hasher.finalize()
    }

    /// The first difference from a previous run's components, as a reason.
    func firstDifference(from old: [KeyComponent]) -> RebuildReason {
        var previous: [String: String] = [:]
        for c in old { previous[c.name] = c.value }
        for c in components {
            guard let was = previous[c.name] else { return TargetKey.added(c.name) }
            if was != c.value { return TargetKey.changed(c.name, from: was, to: c.value) }
        }
        let current = Set(components.map(\.name))
        for c in old where !current.contains(c.name) { return TargetKey.removed(c.name) }
        return .formatChanged
    }

    private static func split(_ name: String) -> (kind: Substring, rest: String) {
        let colon = name.firstIndex(of: ":") ?? name.endIndex
        let rest = colon < name.endIndex ? String(name[name.index(after: colon)...]) : ""
        return (name[..<colon], rest)
    }

    private static func changed(_ name: String, from: String, to: String) -> RebuildReason {
        let (kind, rest) = split(name)
        switch kind {
        case "var": return .variableChanged(name: rest, from: from, to: to)
        case "host": return .hostChanged(name: rest)
        case "in": return .inputChanged(path: rest)
        case "dep": return .dependencyChanged(name: rest)
        default: return .recipeChanged
        }
    }

    private static func added(_ name: String) -> RebuildReason {
        let (kind, rest) = split(name)
        switch kind {
        case "var": return .variableAdded(name: rest)
        case "host": return .hostChanged(name: rest)
        case "in": return .inputAdded(path: rest)
        case "dep": return .dependencyAdded(name: rest)
        default: return .recipeChanged
        }
    }

    private static func removed(_ name: String) -> RebuildReason {
        let (kind, rest) = split(name)
        switch kind {
        case "var": return .variableRemoved(name: rest)
        case "host": return .hostChanged(name: rest)
        case "in": return .inputRemoved(path: rest)
        case "dep": return .dependencyRemoved(name: rest)
        default: return .recipeChanged
        }
    }
}
