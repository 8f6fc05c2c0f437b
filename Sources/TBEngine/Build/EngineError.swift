import TBStore
import TBTargetfile

/// Errors that stop a run before or outside any target's recipe.
public enum EngineError: Error, CustomStringConvertible {
    /// A target asked for on the command line that the Targetfile does not declare.
    case unknownTarget(String)
    /// The trace store or digest cache failed.
    case store(StoreError)

    public var description: String {
        switch self {
        case .unknownTarget(let name): return "no target named '\(name)'"
        case .store(let error): return error.description
        }
    }
}
