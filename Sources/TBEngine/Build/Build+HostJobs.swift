/// Work on a host that a target needs before it can be decided — reaching the host and
/// learning its identity, or `wait`ing for it to answer — runs on a worker thread, like a
/// recipe, and holds no slot: the thread that decides never waits (DESIGN §1, running).
/// Every target of a host shares one identify job; each `wait` is its own job.
extension Build {
    enum HostJob {
        /// Reach the host (unless a dry run) and learn its identity.
        case identify(host: String)
        /// Try to reach the host until it answers, at most `seconds`, then learn its
        /// identity afresh.
        case wait(index: Int, seconds: Double)
    }

    /// What a host job hands back to the scheduler.
    enum HostEvent {
        /// A line for the observer: an attempt to reach the host failed.
        case waiting(index: Int, message: String)
        case identified(host: String, identity: Result<String, Error>)
        /// `wait` ended: the host answered (its identity, or why it could not be read),
        /// or time was up (the failure).
        case waited(index: Int, host: String, outcome: Result<Result<String, Error>, Error>)
    }

    /// The host work node `index` needs before its decision, if any. Targets that will
    /// be settled without their host (a dependency failed; a dry run's dependency would
    /// run) need none.
    func hostWork(for index: Int) -> HostJob? {
        let node = graph.nodes[index]
        guard node.host != nil || node.spec.wait != nil, !isSettledWithoutRunning(node) else { return nil }
        if let seconds = node.spec.wait, !options.dryRun, !waited.contains(index) { return .wait(index: index, seconds: seconds) }
        let host = executorFor(node.host).hostName
        guard node.host != nil, identities[host] == nil, !(options.dryRun && options.offline) else { return nil }
        return .identify(host: host)
    }

    /// Whether `node` will be settled by `decide` without its host or inputs: it is an
    /// aggregate, a dependency failed or was not run, or (dry run) a dependency would run.
    func isSettledWithoutRunning(_ node: Node) -> Bool {
        node.spec.isAggregate || node.dependencies.contains { d in
            states[d].status == .failed || states[d].status == .blocked || states[d].outputDigest == nil
        }
    }

    /// Starts `job` for node `index` on a worker, unless the same job already runs (then
    /// the node waits for that one). Returns whether a job was started.
    func startHostJob(_ job: HostJob, for index: Int, into events: CompletionQueue<Event>) -> Bool {
        let node = graph.nodes[index]
        let executor = executorFor(node.host)
        let dryRun = options.dryRun
        switch job {
        case .identify(let host):
            hostWaiters[host, default: []].append(index)
            guard hostWaiters[host]!.count == 1 else { return false }
            observer.phaseStarted(node.name, .connecting(host: host), at: .now)
            Worker.spawn {
                let identity = Result<String, Error> {
                    if !dryRun { try executor.prepare() }
                    return try executor.identity()
                }
                events.push(.host(.identified(host: host, identity: identity)))
            }
        case .wait(let index, let seconds):
            waitJobs.insert(index)
            let clock = options.clock
            let backoff = options.waitBackoff
            observer.phaseStarted(node.name, .waitingForHost(host: executor.hostName), at: .now)
            Worker.spawn {
                let outcome = Build.waitForHost(executor, seconds: seconds, backoff: backoff, clock: clock) { message in
                    events.push(.host(.waiting(index: index, message: message)))
                }
                events.push(.host(.waited(index: index, host: executor.hostName, outcome: outcome)))
            }
        }
        return true
    }

    /// Takes in a host event; returns the nodes that may be decided now.
    func settle(_ event: HostEvent) -> [Int] {
        switch event {
        case .waiting(let index, let message):
            observer.waiting(graph.nodes[index].name, message)
            return []
        case .identified(let host, let identity):
            // A `wait` that saw the host answer meanwhile knows better than a late failure.
            if case .success = identities[host], case .failure = identity {} else { identities[host] = identity }
            if let first = hostWaiters[host]?.first {
                observer.phaseEnded(graph.nodes[first].name, .connecting(host: host), outcome(of: identity), at: .now)
            }
            return hostWaiters.removeValue(forKey: host) ?? []
        case .waited(let index, let host, let outcome):
            waitJobs.remove(index)
            let ended: PhaseOutcome
            switch outcome {
            case .success(let identity): ended = self.outcome(of: identity)
            case .failure(let error): ended = PhaseOutcome(status: .failed, reason: "\(error)")
            }
            observer.phaseEnded(graph.nodes[index].name, .waitingForHost(host: host), ended, at: .now)
            switch outcome {
            case .success(let identity):
                identities[host] = identity
                waited.insert(index)
                return [index]
            case .failure(let error):
                _ = fail(index, "\(error)", kind: .timeout)
                return release(index)
            }
        }
    }

    private func outcome(of identity: Result<String, Error>) -> PhaseOutcome {
        switch identity {
        case .success: return .ok
        case .failure(let error): return PhaseOutcome(status: .failed, reason: "\(error)")
        }
    }

    /// `wait DURATION`: tries to reach the host (prepare it) until it answers, pausing
    /// longer each time, at most `seconds`; then its identity is learnt afresh, without
    /// preparing again. Runs on a worker thread.
    static func waitForHost(_ executor: Executor, seconds: Double, backoff: Double, clock: any BuildClock,
                            waiting: (String) -> Void) -> Result<Result<String, Error>, Error> {
        let deadline = clock.now() + seconds
        var pause = backoff
        var attempt = 1
        while true {
            do {
                try executor.prepare()
                return .success(Result { try executor.identity() })
            } catch {
                let left = deadline - clock.now()
                guard left > 0 else {
                    return .failure(WaitTimedOut(host: executor.hostName, seconds: seconds, lastError: "\(error)"))
                }
                waiting("waiting for host \(executor.hostName) (attempt \(attempt)): \(error)")
                clock.sleep(min(pause, left))
                pause = min(pause * 2, 10)
                attempt += 1
            }
        }
    }
}
