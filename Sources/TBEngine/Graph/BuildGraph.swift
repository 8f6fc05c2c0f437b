import TBStore
import TBTargetfile

/// The graph of the targets a run asked for and everything they need, with
/// prerequisites classified (dependency or file input), globs expanded, outs, state and
/// host expanded. Building it checks everything that can be checked before running:
/// unknown hosts, undefined variables, variables that refer to themselves, members
/// (`$(DEP.out)`) a dependency lacks, missing inputs, empty globs, cycles.
public final class BuildGraph {
    let targetfile: Targetfile
    let variables: Variables
    let fileSystem: FileSystem
    /// Nodes in dependency order: every node comes after its dependencies.
    private(set) var nodes: [Node] = []
    private(set) var nodeIndex: [String: Int] = [:]
    /// The files each prerequisite word stands for, by word (see `addInputs`).
    private var inputsOfWord: [String: [String: FileStat]] = [:]
    /// Targets being added, outermost first: a dependency found among them closes a cycle.
    private var addPath: [String] = []
    /// Where each name of `addPath` first stands in it.
    private var addPathPosition: [String: Int] = [:]
    /// The nodes asked for, in the order asked.
    public private(set) var roots: [Int] = []

    /// - Parameters:
    ///   - overrides: `NAME=value` from the command line.
    ///   - environment: the process environment (overrides `?=` definitions).
    ///   - inventory: the testbed's nodes, node name → field (`control.mac`) → value.
    public init(targetfile: Targetfile, requested: [String], overrides: [String: String],
                environment: [String: String], inventory: [String: [String: String]] = [:],
                fileSystem: FileSystem) throws {
        self.targetfile = targetfile
        self.variables = Variables(definitions: targetfile.variables, overrides: overrides, environment: environment,
                                   inventory: inventory, secrets: targetfile.secrets)
        self.fileSystem = fileSystem
        for name in requested {
            guard isTarget(name) else { throw EngineError.unknownTarget(name) }
        }
        try variables.checkCycles()
        for name in requested {
            roots.append(try add(name))
        }
    }

    /// Names of the nodes in dependency order.
    public var targetNames: [String] { nodes.map(\.name) }

    /// Adds target `name` (or one instance, `name@node`) and, first, everything it
    /// depends on. A `foreach` target becomes one node per instance plus an aggregate of
    /// them under its own name; a sequence, an aggregate of its steps run in order.
    /// The walk keeps its own stack (see `GraphStep`): a chain of a million targets
    /// needs no more of the thread's stack than one target.
    func add(_ name: String) throws -> Int {
        try walk(AddName(name))
    }

    /// The node of target `name` when it already has one; else throws when `name` is
    /// being added (a cycle), else nil.
    func existingNode(_ name: String) throws -> Int? {
        if let existing = nodeIndex[name] { return existing }
        if let start = addPathPosition[name] {
            let cycle = addPath[start...] + [name]
            let first = addPath[start]
            throw TargetfileError((targetfile[target: first] ?? targetfile[target: BuildGraph.instanceBase(of: first, in: targetfile)!])!.location,
                                  "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
        return nil
    }

    /// Marks `name` as being added, until `leave()`.
    func enter(_ name: String) {
        if addPathPosition[name] == nil { addPathPosition[name] = addPath.count }
        addPath.append(name)
    }

    /// Ends the last `enter`.
    func leave() {
        let name = addPath.removeLast()
        if addPathPosition[name] == addPath.count { addPathPosition[name] = nil }
    }

    /// The node of a spec whose prerequisites are all added: `dependencies` are their nodes.
    func makeNode(_ spec: TargetSpec, group: String?, dependencies: Set<Int>, inputs: [String: FileStat],
                  scope: inout Scope) throws -> Int {
        let node = Node(index: nodes.count, spec: spec)
        node.group = group
        node.dependencies = dependencies.sorted { nodes[$0].name < nodes[$1].name }
        node.inputs = inputs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        // `out rootfs/` names the directory rootfs: its temporary sibling must not be inside it.
        node.outs = try spec.outs.flatMap { try scope.expandWords($0) }.map(FileTree.withoutTrailingSlashes)
        node.state = try spec.state.map { FileTree.withoutTrailingSlashes(Words.unescape(try scope.expand($0))) }
        if let host = spec.host {
            let hostName = try scope.expand(host)
            guard hostName == "local" || targetfile.host(named: hostName) != nil else {
                throw TargetfileError(host.location, "unknown host '\(hostName)' (declare it with 'host \(hostName) = local' or '= ssh ADDRESS')")
            }
            node.host = hostName == "local" ? nil : hostName
        }
        node.usedVariables = scope.used
        try checkRecipeReferences(node)
        nodeIndex[spec.name] = node.index
        nodes.append(node)
        return node.index
    }

    /// Whether `word` names a target or an instance of one (else it is a file).
    func isTarget(_ word: String) -> Bool {
        targetfile.targetIndex[word] != nil || BuildGraph.instanceBase(of: word, in: targetfile) != nil
    }

    /// A file, every file of a directory, or the files a glob matches.
    /// Adds the files `word` stands for to `inputs`. Each word is looked up once: the
    /// instances of a `foreach` target, and targets naming the same directory or glob,
    /// share the result (nothing changes while the graph loads).
    func addInputs(_ word: String, at location: SourceLocation, to inputs: inout [String: FileStat]) throws {
        if inputsOfWord[word] == nil { inputsOfWord[word] = try findInputs(word, at: location) }
        inputs.merge(inputsOfWord[word]!) { _, found in found }
    }

    /// The files `word` names (a file, every file under a directory, or a glob's
    /// matches), with their stats.
    private func findInputs(_ word: String, at location: SourceLocation) throws -> [String: FileStat] {
        var inputs: [String: FileStat] = [:]
        if Glob.isPattern(word) {
            let glob = Glob(word)
            let base = glob.baseDirectory.isEmpty ? "." : glob.baseDirectory
            if fileSystem.stat(base)?.isDirectory == true {
                for path in try fileSystem.files(under: base) {
                    let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
                    if glob.matches(relative), let stat = fileSystem.stat(relative) { inputs[relative] = stat }
                }
            }
            if inputs.isEmpty { throw TargetfileError(location, "'\(word)' matches no file") }
            return inputs
        }
        guard let stat = fileSystem.stat(word) else {
            throw TargetfileError(location, "no such file or target '\(word)'")
        }
        if stat.isDirectory {
            for path in try fileSystem.files(under: word) {
                if let s = fileSystem.stat(path) { inputs[path] = s }
            }
        } else {
            inputs[word] = stat
        }
        return inputs
    }
}
