/// Why a target runs, is restored or is skipped: shown by `-n`, `--explain` and `--json`.
public indirect enum RebuildReason: Equatable, Sendable, CustomStringConvertible {
    case always
    case forced
    case neverRan
    case formatChanged
    case variableChanged(name: String, from: String, to: String)
    case variableAdded(name: String)
    case variableRemoved(name: String)
    case hostChanged(name: String)
    case recipeChanged
    case inputChanged(path: String)
    case inputAdded(path: String)
    case inputRemoved(path: String)
    case dependencyChanged(name: String)
    case dependencyAdded(name: String)
    case dependencyRemoved(name: String)
    /// Dry run: a dependency would run, so this target's key cannot be known yet.
    case dependencyWillRun(name: String)
    case outputMissing(path: String)
    case outputModified(path: String)
    case stateMissing(path: String)
    case upToDate
    /// The target had to run for `cause`, and the cache held its outputs for this key.
    case restoredFromCache(cause: RebuildReason)
    case aggregate
    /// Not decided: a dependency failed.
    case dependencyFailed(name: String)
    /// Not decided: a dependency was not run (its own dependency failed).
    case dependencyNotRun(name: String)
    /// Not decided: the run stopped at a failure (no `-k`).
    case runStopped
    /// Its key could not be computed (host unreachable, a state key missing…): it fails.
    case cannotDecide

    /// Not run because a dependency failed or was not run itself.
    public var isBlockedByDependency: Bool {
        switch self {
        case .dependencyFailed, .dependencyNotRun: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .always: return "always"
        case .forced: return "forced (-B)"
        case .neverRan: return "never ran"
        case .formatChanged: return "tbmake's key format changed"
        case .variableChanged(let name, let from, let to): return "variable \(name) changed \(from)→\(to)"
        case .variableAdded(let name): return "now uses variable \(name)"
        case .variableRemoved(let name): return "no longer uses variable \(name)"
        case .hostChanged(let name): return "host \(name) changed"
        case .recipeChanged: return "recipe changed"
        case .inputChanged(let path): return "input \(path) changed"
        case .inputAdded(let path): return "new input \(path)"
        case .inputRemoved(let path): return "input \(path) removed"
        case .dependencyChanged(let name): return "dependency \(name) produced new output"
        case .dependencyAdded(let name): return "new dependency \(name)"
        case .dependencyRemoved(let name): return "no longer depends on \(name)"
        case .dependencyWillRun(let name): return "dependency \(name) will run"
        case .outputMissing(let path): return "output \(path) missing"
        case .outputModified(let path): return "output \(path) was modified"
        case .stateMissing(let path): return "state file \(path) missing"
        case .upToDate: return "up to date"
        case .restoredFromCache(let cause): return "\(cause); outputs for this key are in the cache"
        case .aggregate: return "aggregate"
        case .dependencyFailed(let name): return "dependency \(name) failed"
        case .dependencyNotRun(let name): return "dependency \(name) was not run"
        case .cannotDecide: return "cannot be decided; see its error"
        case .runStopped: return "not run: the run stopped at a failure (-k keeps going)"
        }
    }
}
