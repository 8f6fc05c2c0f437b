import TBStore
import TBTargetfile

/// One target of the graph, with what loading could settle: its dependencies, its file
/// inputs (with their stat), its outputs, state file and host. Recipe steps stay
/// templates until the target is decided, because they may read dependencies' state.
final class Node {
    let index: Int
    let spec: TargetSpec
    var name: String { spec.name }
    /// Indices of dependency nodes, sorted by name, without duplicates.
    var dependencies: [Int] = []
    /// File inputs, sorted, without duplicates, with their stat when loaded.
    var inputs: [(path: String, stat: FileStat)] = []
    var outs: [String] = []
    var state: String?
    /// nil: the implicit local host.
    var host: String?
    /// Project variables used while expanding prerequisites, outs, state and host.
    var usedVariables: [String: String] = [:]
    /// Nodes that must be settled before this one starts, without being part of its key
    /// (the step before it in a sequence).
    var after: [Int] = []
    /// For an instance of a `foreach` target: that target's name.
    var group: String?

    init(index: Int, spec: TargetSpec) {
        self.index = index
        self.spec = spec
    }
}
