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

    /// What worker threads hand back to the scheduler.
    enum Event {
        case recipe(Completion)
        case host(HostEvent)
        /// Large inputs were hashed (`Build+HashJobs`).
        case hashed(paths: [String])
        /// A running recipe's output or step, for the observer; its job goes on.
        case progress(index: Int, Progress)
    }

    enum Progress {
        case output([UInt8])
        case step(RecipeRunner.StepEvent)
    }

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
    /// Nodes whose host is being identified, by host name.
    var hostWaiters: [String: [Int]] = [:]
    /// Nodes whose `wait` is over: their host answered in this run; those still waiting.
    var waited: Set<Int> = []
    var waitJobs: Set<Int> = []
    /// Nodes whose large inputs were handed to hash jobs; the nodes waiting for each file
    /// being hashed, and how many files each still waits for.
    var hashed: Set<Int> = []
    var hashWaiters: [String: [Int]] = [:]
    var pendingHashes: [Int: Int] = [:]
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
    /// Recipes running now that count against `-j` (see `countsAgainstJobs`).
    var runningLocally = 0
    /// Jobs on worker threads: recipes and host jobs; and recipes alone.
    var inFlight = 0
    var recipesInFlight = 0
    /// Targets ready to run that wait for a `-j` slot, and for their fan-out's `parallel`.
    var waitingForJobs = FIFO<(Int, PreparedRun)>()
    var waitingInGroup: [String: FIFO<(Int, PreparedRun)>] = [:]
    /// Recipes running in each pool, and the targets waiting for one of its slots.
    var runningInPool: [String: Int] = [:]
    var waitingInPool: [String: FIFO<(Int, PreparedRun)>] = [:]
    /// Targets that were ready to run when the run stopped, and never started.
    var abandoned: [Int] = []
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
        var ready = FIFO<Int>()
        ready.push(contentsOf: graph.nodes.filter { $0.dependencies.isEmpty && $0.after.isEmpty }.map(\.index))
        let events = CompletionQueue<Event>()
        observer.buildStarted(plan())
        while true {
            while !stopping || !finishingGroups.isEmpty, let index = ready.pop() {
                if stopping && !mayFinish(index) { continue }   // left undecided: the run stopped
                if let job = hostWork(for: index) {
                    if startHostJob(job, for: index, into: events) { inFlight += 1 }
                } else if let files = hashWork(for: index) {
                    if startHashJob(files, for: index, into: events) { inFlight += 1 }
                } else if let prepared = try decide(index) {
                    offer(index, prepared, events)
                } else {
                    ready.push(contentsOf: release(index))
                }
            }
            // Once the run stopped, host jobs (a long `wait`) of targets that will not run
            // are not waited for.
            if inFlight == 0 || (stopping && recipesInFlight == 0 && !jobsMayStillMatter) { break }
            // While jobs run and nothing happens, observers hear the time pass.
            guard let event = events.pop(waitingAtMost: 0.25) else {
                observer.tick()
                continue
            }
            inFlight -= 1
            switch event {
            case .recipe(let completion):
                recipesInFlight -= 1
                let node = graph.nodes[completion.index]
                if countsAgainstJobs(node) { runningLocally -= 1 }
                try finish(completion)
                ready.push(contentsOf: release(completion.index))
                // The slots it held may start what waited for them.
                if countsAgainstJobs(node) { startWaiting(in: &waitingForJobs, events) }
                if let group = node.group, var queue = waitingInGroup[group] {
                    startWaiting(in: &queue, events)
                    waitingInGroup[group] = queue
                }
                if let pool = node.spec.pool {
                    runningInPool[pool, default: 1] -= 1
                    if var queue = waitingInPool[pool] {
                        startWaiting(in: &queue, events)
                        waitingInPool[pool] = queue
                    }
                }
            case .progress(let index, let progress):
                inFlight += 1   // the recipe goes on
                report(progress, of: graph.nodes[index].name)
            case .host(let hostEvent):
                if case .waiting = hostEvent { inFlight += 1 }  // the job goes on
                ready.push(contentsOf: settle(hostEvent))
            case .hashed(let paths):
                ready.push(contentsOf: settleHashed(paths))
            }
        }
        // Targets that were ready to run when the run stopped.
        let queued = waitingForJobs.drain() + (Array(waitingInGroup.values) + Array(waitingInPool.values)).flatMap { queue in
            var queue = queue
            return queue.drain()
        }
        for index in queued.map(\.0) + abandoned where states[index].status == .waiting {
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
        observer.buildFinished(summary)
        return summary
    }

    /// Every target of the run with its identity, for `BuildObserver.buildStarted`.
    private func plan() -> BuildPlan {
        let targets = graph.nodes.map { node in
            let nodeName = node.group.flatMap { group in
                node.name.hasPrefix(group + "@") ? String(node.name.dropFirst(group.count + 1)) : nil
            }
            return TargetIdentity(name: node.name, base: node.group ?? node.name, node: nodeName,
                                  host: node.host ?? "local", hasRecipe: !node.spec.isAggregate,
                                  dependencies: (node.dependencies + node.after).map { graph.nodes[$0].name })
        }
        return BuildPlan(targets: targets, totalWithRecipe: totalWithRecipe, dryRun: options.dryRun, startedAt: .now)
    }

    /// Hands a recipe's output or step, forwarded from its worker, to the observer.
    private func report(_ progress: Progress, of target: String) {
        switch progress {
        case .output(let chunk): observer.output(target, chunk)
        case .step(.started(let phase, let at)): observer.phaseStarted(target, phase, at: at)
        case .step(.ended(let phase, let outcome, let at)): observer.phaseEnded(target, phase, outcome, at: at)
        }
    }

    /// Whether a recipe takes one of the `-j` slots: it runs on the implicit local host,
    /// and is not an instance of a fan-out whose own `parallel N` bounds it. Recipes on
    /// named hosts — ssh hosts, and `local` sandboxes, which stand for testbed nodes — are
    /// bounded by `parallel` (and wait for no local core).
    func countsAgainstJobs(_ node: Node) -> Bool {
        node.host == nil && !(node.group != nil && node.spec.parallel != nil)
    }

    /// Starts a target that is ready to run, or queues it for the slot it lacks.
    private func offer(_ index: Int, _ prepared: PreparedRun, _ events: CompletionQueue<Event>) {
        if stopping && !mayFinish(index) {   // never started: blocked at the end
            abandoned.append(index)
            return
        }
        let node = graph.nodes[index]
        if let group = node.group, let limit = node.spec.parallel, runningInGroup[group, default: 0] >= limit {
            waitingInGroup[group, default: FIFO()].push((index, prepared))
        } else if let pool = node.spec.pool, runningInPool[pool, default: 0] >= poolDepth(pool) {
            waitingInPool[pool, default: FIFO()].push((index, prepared))
        } else if countsAgainstJobs(node) && runningLocally >= max(1, options.jobs) {
            waitingForJobs.push((index, prepared))
        } else {
            if countsAgainstJobs(node) { runningLocally += 1 }
            if let pool = node.spec.pool { runningInPool[pool, default: 0] += 1 }
            inFlight += 1
            recipesInFlight += 1
            start(index, prepared, into: events)
        }
    }

    /// How many recipes of `pool` may run at once: its declared depth; 1 for `console`.
    private func poolDepth(_ pool: String) -> Int {
        graph.targetfile.pools[pool]?.depth ?? 1
    }

    /// Offers the targets of `queue` again, in order, until one starts or it is empty.
    private func startWaiting(in queue: inout FIFO<(Int, PreparedRun)>, _ events: CompletionQueue<Event>) {
        while let (index, prepared) = queue.pop() {
            let before = inFlight
            offer(index, prepared, events)
            if inFlight > before { return }
        }
    }

    /// After a stop: whether a host or hash job in flight is for a node still allowed to
    /// run (an instance of a fan-out that finishes).
    private var jobsMayStillMatter: Bool {
        hostWaiters.values.contains { $0.contains(where: mayFinish) } || waitJobs.contains(where: mayFinish)
            || pendingHashes.keys.contains(where: mayFinish)
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

    /// Marks `index` settled and returns the dependents that became ready.
    func release(_ index: Int) -> [Int] {
        var ready: [Int] = []
        for dependent in dependents[index] {
            states[dependent].pendingDependencies -= 1
            if states[dependent].pendingDependencies == 0 { ready.append(dependent) }
        }
        return ready
    }
}
