import TBStore
import TBTargetfile

/// One run of tbmake over a graph: decides every target in dependency order, runs what
/// must run on its host (up to `jobs` at once), and records a trace for each success.
///
/// All decisions and all trace writes happen on the calling thread; recipes run on
/// worker threads. A failed target records no trace and its dependents do not run.
public final class Build {
    let graph: BuildGraph
    let options: BuildOptions
    let store: TraceStore
    let fileSystem: FileSystem
    let observer: BuildObserver
    let executorFor: (String?) -> Executor
    let cache: ArtifactCache?
    let archiver: Archiver?
    let hasher = SHA256Hasher()
    /// False once storing into the cache failed: the rest of the run does without.
    var cacheWritable = true

    enum Status { case waiting, running, done, failed, blocked }

    /// What the run knows of each node, by node index.
    struct NodeState {
        var status: Status = .waiting
        var pendingDependencies = 0
        /// What dependents fold into their keys; nil while unknown (dry run: would run).
        var outputDigest: Digest?
        /// Values of the node's state file, read when a dependent first asks.
        var stateValues: [String: String]?
        /// Its recipe used a secret, or a value derived from one: the values of its
        /// state file are secret too.
        var usesSecret = false
    }

    var states: [NodeState]
    var dependents: [[Int]]
    var summary = BuildSummary()
    var identities: [String: Result<String, Error>] = [:]
    var startedCount = 0
    /// Set once a recipe has started or an output was restored: from then on files may
    /// differ from the stats taken at start-up (see `filesMayChange()`).
    var filesMayHaveChanged = false
    var totalWithRecipe = 0
    var stopping = false
    /// Without `-k`, a failed instance stops the run but not its own fan-out: the
    /// imaging tools try every node. The fan-outs still allowed to finish.
    var finishingGroups: Set<String> = []
    /// Instances of each `foreach` target running now, against its `parallel` limit.
    var runningInGroup: [String: Int] = [:]
    /// The one deadline of each `foreach` target's fan-out, set when its first instance starts.
    var groupDeadlines: [String: ContinuousClock.Instant] = [:]

    /// - Parameter executorFor: the executor of a host name (nil: the implicit local host).
    /// - Parameter cache: the artifact cache, or nil to run without one.
    public init(graph: BuildGraph, options: BuildOptions, store: TraceStore, fileSystem: FileSystem,
                observer: BuildObserver, cache: ArtifactCache? = nil, archiver: Archiver? = nil,
                executorFor: @escaping (String?) -> Executor) {
        self.graph = graph
        self.cache = cache
        self.archiver = archiver
        self.options = options
        self.store = store
        self.fileSystem = fileSystem
        self.observer = observer
        self.executorFor = executorFor
        states = Array(repeating: NodeState(), count: graph.nodes.count)
        dependents = Array(repeating: [], count: graph.nodes.count)
        for node in graph.nodes {
            states[node.index].pendingDependencies = node.dependencies.count + node.after.count
            for d in node.dependencies + node.after { dependents[d].append(node.index) }
            if !node.spec.isAggregate { totalWithRecipe += 1 }
        }
    }

    /// Runs to the end and says what happened. Throws only for errors that concern the
    /// whole run (a trace that cannot be written).
    public func run() throws -> BuildSummary {
        var ready = graph.nodes.filter { $0.dependencies.isEmpty && $0.after.isEmpty }.map(\.index)
        var queued: [(Int, PreparedRun)] = []
        var running = 0
        let completions = CompletionQueue<Completion>()
        var next = 0
        while true {
            while next < ready.count && (!stopping || !finishingGroups.isEmpty) {
                let index = ready[next]
                next += 1
                if stopping && !mayFinish(index) { continue }   // left undecided: the run stopped
                if let prepared = try decide(index) {
                    queued.append((index, prepared))
                } else {
                    ready += release(index)
                }
            }
            while running < max(1, options.jobs),
                  let position = queued.firstIndex(where: { mayStart($0.0) && (!stopping || mayFinish($0.0)) }) {
                let (index, prepared) = queued.remove(at: position)
                start(index, prepared, into: completions)
                running += 1
            }
            if running == 0 && (next >= ready.count || (stopping && finishingGroups.isEmpty)) { break }
            if running == 0 { continue }
            let completion = completions.pop()
            running -= 1
            try finish(completion)
            ready += release(completion.index)
        }
        for (index, _) in queued where states[index].status == .waiting {
            states[index].status = .blocked
        }
        // Every target of the closure hears its fate, also those a stop left undecided.
        for node in graph.nodes where states[node.index].status == .waiting {
            states[node.index].status = .blocked
            if let failed = node.dependencies.first(where: { states[$0].status == .failed }) {
                observer.decided(node.name, Decision(.skip, .dependencyFailed(name: graph.nodes[failed].name)))
            } else {
                observer.decided(node.name, Decision(.skip, .runStopped))
            }
        }
        summary.blocked = states.filter { $0.status == .blocked }.count
        return summary
    }

    /// After a stop: whether node `index` is an instance of a fan-out allowed to finish.
    private func mayFinish(_ index: Int) -> Bool {
        graph.nodes[index].group.map { finishingGroups.contains($0) } ?? false
    }

    /// Stops the run after a failure of node `index` (without `-k`): nothing new starts,
    /// except the other instances of a failed instance's fan-out.
    func stop(after index: Int) {
        if let group = graph.nodes[index].group, !stopping || !finishingGroups.isEmpty {
            finishingGroups.insert(group)
        } else {
            finishingGroups = []
        }
        stopping = true
    }

    /// Whether node `index` may start now: its `foreach` target's `parallel` limit allows.
    private func mayStart(_ index: Int) -> Bool {
        let node = graph.nodes[index]
        guard let group = node.group, let limit = node.spec.parallel else { return true }
        return runningInGroup[group, default: 0] < limit
    }

    /// Marks `index` settled and returns the dependents that became ready.
    private func release(_ index: Int) -> [Int] {
        var ready: [Int] = []
        for dependent in dependents[index] {
            states[dependent].pendingDependencies -= 1
            if states[dependent].pendingDependencies == 0 { ready.append(dependent) }
        }
        return ready
    }
}
