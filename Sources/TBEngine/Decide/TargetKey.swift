import TBStore

/// The key of a target and the parts it was computed from, in a fixed order:
/// variables used (`var:NAME`), host identity (`host:NAME`), the expanded recipe
/// (`recipe`), file inputs (`in:PATH`), trees `pack` reads (`packed:PATH`), dependencies
/// (`dep:NAME`).
///
/// Parts are kept unformatted (a digest stays 32 bytes) because most runs only compare
/// the key; the readable `components` are made only for a trace or a reason.
struct TargetKey {
    /// Bumped whenever what goes into a key changes, so that old traces never match.
    static let formatVersion = "tbmake-key-v1"
    /// How a `secret` variable's value stands in a key: after this prefix, its
    /// HMAC-SHA256 under the project's key (`SecretKey`), never the value or a plain digest.
    static let secretPrefix = "secret:"

    enum Kind: String {
        case variable = "var:"
        case host = "host:"
        case recipe = "recipe"
        case input = "in:"
        /// A path a `pack` step archives (`Build+PackedTrees`): an input too, named apart
        /// from a prerequisite of the same path.
        case packedTree = "packed:"
        case dependency = "dep:"
    }

    enum Value {
        case text(String)
        case digest(Digest)

        var text: String {
            switch self {
            case .text(let s): return s
            case .digest(let d): return d.hex
            }
        }
    }

    private(set) var parts: [(kind: Kind, name: String, value: Value)] = []

    mutating func add(_ kind: Kind, _ name: String, _ value: Value) {
        parts.append((kind, name, value))
    }

    /// Sets the value of the part `kind` `name` (what a `pack` step found when it ran).
    mutating func replace(_ kind: Kind, _ name: String, with value: Value) {
        for i in parts.indices where parts[i].kind == kind && parts[i].name == name { parts[i].value = value }
    }

    func digest(using hasher: SHA256Hasher) -> Digest {
        hasher.updateField(TargetKey.formatVersion)
        for part in parts {
            hasher.updateField(part.kind.rawValue)
            hasher.updateField(part.name)
            switch part.value {
            case .text(let s): hasher.updateField(s)
            case .digest(let d): hasher.update(d)
            }
        }
        return hasher.finalize()
    }

    /// The parts as a trace stores them: `in:demo/kata/kata` = hex digest.
    var components: [KeyComponent] {
        parts.map { part in
            let name = part.kind.rawValue + part.name
            switch part.value {
            case .text(let text): return KeyComponent(name: name, value: text)
            case .digest(let digest): return KeyComponent(name: name, digest: digest)
            }
        }
    }

    /// The first difference from a previous run's components, as a reason.
    func firstDifference(from old: [KeyComponent]) -> RebuildReason {
        var previous: [String: String] = [:]
        for c in old { previous[c.name] = c.value }
        for part in parts {
            let name = part.kind.rawValue + part.name
            guard let was = previous[name] else { return TargetKey.added(part.kind, part.name) }
            let now = part.value.text
            if was != now { return TargetKey.changed(part.kind, part.name, from: was, to: now) }
        }
        let current = Set(parts.map { $0.kind.rawValue + $0.name })
        for c in old where !current.contains(c.name) {
            for kind in [Kind.variable, .host, .input, .packedTree, .dependency] where c.name.hasPrefix(kind.rawValue) {
                return TargetKey.removed(kind, String(c.name.dropFirst(kind.rawValue.count)))
            }
            return .recipeChanged
        }
        return .formatChanged
    }

    private static func changed(_ kind: Kind, _ name: String, from: String, to: String) -> RebuildReason {
        switch kind {
        case .variable:
            if from.hasPrefix(secretPrefix) || to.hasPrefix(secretPrefix) {
                return .variableChanged(name: name, from: "(secret)", to: "(secret)")
            }
            return .variableChanged(name: name, from: from, to: to)
        case .host: return .hostChanged(name: name)
        case .recipe: return .recipeChanged
        case .input, .packedTree: return .inputChanged(path: name)
        case .dependency: return .dependencyChanged(name: name)
        }
    }

    private static func added(_ kind: Kind, _ name: String) -> RebuildReason {
        switch kind {
        case .variable: return .variableAdded(name: name)
        case .host: return .hostChanged(name: name)
        case .recipe: return .recipeChanged
        case .input, .packedTree: return .inputAdded(path: name)
        case .dependency: return .dependencyAdded(name: name)
        }
    }

    private static func removed(_ kind: Kind, _ name: String) -> RebuildReason {
        switch kind {
        case .variable: return .variableRemoved(name: name)
        case .host: return .hostChanged(name: name)
        case .recipe: return .recipeChanged
        case .input, .packedTree: return .inputRemoved(path: name)
        case .dependency: return .dependencyRemoved(name: name)
        }
    }
}
