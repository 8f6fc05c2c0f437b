import TBStore
#if canImport(Glibc)
import Glibc
#endif
import TBTargetfile

extension Build {
    /// A target about to run: its recipe expanded twice — with final output names for
    /// the key, and with temporary names for running, so that outputs appear only once
    /// the recipe succeeded.
    struct PreparedRun {
        var recipe: Recipe
        var key: Digest
        var targetKey: TargetKey
        var temporaryOuts: [(temporary: String, final: String)]
        var executor: Executor
        /// The `pack` steps whose trees are part of the key.
        var packedTrees: [PackedTree] = []
    }

    /// Decides node `index`. Returns what to run, or nil when the node is settled
    /// without running (skipped, aggregate, blocked, failed to decide, dry run).
    func decide(_ index: Int) throws -> PreparedRun? {
        let node = graph.nodes[index]
        if let failed = node.dependencies.first(where: { states[$0].status == .failed || states[$0].status == .blocked }) {
            states[index].status = .blocked
            let name = graph.nodes[failed].name
            observer.decided(node.name, Decision(.skip, states[failed].status == .failed ? .dependencyFailed(name: name)
                                                                                       : .dependencyNotRun(name: name)))
            return nil
        }
        if node.spec.isAggregate {
            states[index].status = .done
            states[index].outputDigest = aggregateDigest(node)
            summary.skipped += 1
            observer.decided(node.name, Decision(.skip, .aggregate))
            return nil
        }
        let executor = executorFor(node.host)
        // The last trace tells what changed; the trace of the slot (the outputs, state
        // file and host this run names) tells whether what it names is up to date.
        let latest = store.trace(for: node.name)
        let trace = latest.flatMap { isLastSlot($0, of: node) ? $0 : store.trace(for: node.name, slot: slot(of: node)) }
        var early: RebuildReason?
        if node.spec.always { early = .always }
        else if options.force { early = .forced }
        else if latest == nil { early = .neverRan }
        if let unknown = node.dependencies.first(where: { states[$0].outputDigest == nil }) {
            // Only in dry runs: the dependency would run, so nothing more can be known.
            return settleDry(index, Decision(.run, early ?? .dependencyWillRun(name: graph.nodes[unknown].name)))
        }
        let prepared: PreparedRun
        do {
            prepared = try prepare(node, executor: executor)
        } catch {
            return fail(index, "\(error)", kind: (error as? ExecutorError)?.failureKind ?? .other)
        }
        if let reason = early {
            if reason == .neverRan, let cached = cachedOutputs(of: node, key: prepared.key) {
                return try runOrRestore(index, prepared, reason, from: cached)
            }
            return try run(index, prepared, Decision(.run, reason))
        }
        guard let latest else { return nil }  // unreachable: early is .neverRan
        guard let trace else {
            // These outputs, state file or host never ran: say what moved since the last run.
            let reason = prepared.targetKey.firstDifference(from: latest.components)
            return try runOrRestore(index, prepared, reason, from: cachedOutputs(of: node, key: prepared.key))
        }
        if trace.key != prepared.key {
            let reason = prepared.targetKey.firstDifference(from: trace.components)
            return try runOrRestore(index, prepared, reason, from: cachedOutputs(of: node, key: prepared.key))
        }
        var current: [OutputRecord] = []
        for output in trace.outputs {
            guard let stat = fileSystem.stat(output.path) else {
                let reason: RebuildReason = output.path == node.state ? .stateMissing(path: output.path) : .outputMissing(path: output.path)
                return try runOrRestore(index, prepared, reason, from: restorable(trace, of: node))
            }
            let digest: Digest
            do { digest = try outputDigest(of: output.path, stat: stat) } catch {
                return try runOrRestore(index, prepared, .outputModified(path: output.path), from: restorable(trace, of: node))
            }
            // A person may edit a state file: that is news for dependents, not a reason to
            // redo what created it (the node it names is still allocated).
            if digest != output.digest && output.path != node.state {
                return try runOrRestore(index, prepared, .outputModified(path: output.path), from: restorable(trace, of: node))
            }
            current.append(OutputRecord(path: output.path, digest: digest, mode: stat.mode))
        }
        states[index].status = .done
        summary.skipped += 1
        observer.decided(node.name, Decision(.skip, .upToDate))
        if current != trace.outputs {
            var updated = trace
            updated.outputs = current
            updated.outputDigest = outputDigest(current)
            if !options.dryRun { try record(updated) }
            states[index].outputDigest = updated.outputDigest
        } else {
            // Back to an earlier slot (a variable returned to an earlier value): it is
            // the last trace again, for the reasons of the next run.
            if trace != latest && !options.dryRun { try record(trace) }
            states[index].outputDigest = trace.outputDigest
        }
        return nil
    }

    /// Whether `trace` names what the node names now (the usual case), without building
    /// slot names: the same outputs and state file, in order, and the same host.
    private func isLastSlot(_ trace: TraceRecord, of node: Node) -> Bool {
        let outputs = trace.outputs
        guard outputs.count == node.outs.count + (node.state == nil ? 0 : 1) else { return false }
        for (i, out) in node.outs.enumerated() where outputs[i].path != out { return false }
        if let state = node.state, outputs.last?.path != state { return false }
        let host = trace.components.first { $0.name.hasPrefix(TargetKey.Kind.host.rawValue) }
        return host?.name.dropFirst(TargetKey.Kind.host.rawValue.count) == node.host.map { Substring($0) }
    }

    /// The trace slot of what the node names now: its outputs, state file and host.
    func slot(of node: Node) -> String {
        TraceRecord.slot(target: node.name, outputs: node.outs + (node.state.map { [$0] } ?? []), host: node.host)
    }

    /// The node runs: in a real run, its recipe is expanded again with temporary output
    /// names, which are renamed into place once it succeeded.
    func run(_ index: Int, _ prepared: PreparedRun, _ decision: Decision) throws -> PreparedRun? {
        if options.dryRun {
            let settled = settleDry(index, decision)
            observer.commands(graph.nodes[index].name, prepared.recipe.steps.map(\.description))
            return settled
        }
        let node = graph.nodes[index]
        observer.decided(node.name, decision)
        var ready = prepared
        for out in node.outs + (node.state.map { [$0] } ?? []) {
            ready.temporaryOuts.append((Build.temporaryName(for: out), out))
        }
        if !ready.temporaryOuts.isEmpty {
            var scope = try self.scope(for: node, executor: prepared.executor,
                                       outs: node.outs.map(Build.temporaryName(for:)),
                                       state: node.state.map(Build.temporaryName(for:)))
            ready.recipe = try expandRecipe(node.spec, in: &scope)
            // An archive's format comes from its final name, not its temporary one.
            for (i, step) in prepared.recipe.steps.enumerated() {
                if case .pack(_, _, _, let final, _, _) = step,
                   case .pack(let root, let paths, let excludes, let archive, let manifest, _) = ready.recipe.steps[i] {
                    ready.recipe.steps[i] = .pack(root: root, paths: paths, excludes: excludes, archive: archive,
                                                  manifest: manifest, formatName: final)
                }
            }
        }
        return ready
    }

    /// Dry run: the node would run; its outputs stay unknown for its dependents.
    private func settleDry(_ index: Int, _ decision: Decision) -> PreparedRun? {
        observer.decided(graph.nodes[index].name, decision)
        states[index].status = .done
        states[index].outputDigest = nil
        summary.wouldRun += 1
        return nil
    }

    /// Marks a node failed without running it (its recipe could not be expanded, its
    /// host could not be identified). Stops the run unless `-k`.
    func fail(_ index: Int, _ message: String, kind: FailureKind = .other) -> PreparedRun? {
        let name = graph.nodes[index].name
        observer.decided(name, Decision(.run, .cannotDecide))
        states[index].status = .failed
        summary.failed += 1
        observer.finished(name, TargetResult(status: .failed, durationMs: 0, failure: message, kind: kind))
        if !options.keepGoing { stop(after: index) }
        return nil
    }

    /// Expands the recipe and computes the key.
    func prepare(_ node: Node, executor: Executor) throws -> PreparedRun {
        var key = TargetKey()
        var scope = try scope(for: node, executor: executor, outs: node.outs, state: node.state)
        let recipe = try expandRecipe(node.spec, in: &scope)
        var variables = node.usedVariables
        for (name, value) in scope.used { variables[name] = value }
        // A variable whose value holds a secret's (`auth = root:$(password)`) is secret too.
        let secretNames = graph.variables.secrets
        let secretValues = variables.filter { secretNames.contains($0.key) && !$0.value.isEmpty }.map(\.value)
        for name in variables.keys.sorted() {
            let value = variables[name]!
            if secretNames.contains(name) || secretValues.contains(where: { value.contains($0) }) {
                // The trace keeps only a fingerprint keyed with the project's own key.
                key.add(.variable, name, .text(TargetKey.secretPrefix + options.secretKey.fingerprint(value)))
                options.secrets.add(value)
                states[node.index].usesSecret = true
            } else {
                key.add(.variable, name, .text(value))
            }
        }
        if let host = node.host {
            if options.dryRun && options.offline {
                // --offline: the host as the target's last run there found it.
                let name = TargetKey.Kind.host.rawValue + host
                let recorded = (store.trace(for: node.name, slot: slot(of: node)) ?? store.trace(for: node.name))?
                    .components.first { $0.name == name }
                key.add(.host, host, .text(recorded?.value ?? "(not reached: --offline)"))
            } else {
                key.add(.host, host, .text(try identity(of: executor)))
            }
        }
        hasher.update(recipe.canonicalText(outs: node.outs, state: node.state))
        key.add(.recipe, "", .digest(hasher.finalize()))
        for input in node.inputs {
            // The stat taken when the graph was loaded holds until a recipe has started or
            // an output was restored: from then on, the file may have been rewritten.
            var stat = input.stat
            if filesMayHaveChanged {
                guard let now = fileSystem.stat(input.path) else {
                    throw TargetfileError(node.spec.location, "input \(input.path) of '\(node.name)' disappeared during the run")
                }
                stat = now
            }
            // A file named after a secret (`keys/$(token).pem`) is traced under a masked name.
            let name = secretValues.reduce(input.path) { $0.replacing($1, with: "***") }
            key.add(.input, name, .digest(try fileSystem.digest(ofFile: input.path, stat: stat)))
        }
        let packedTrees = addPackedTrees(of: recipe, executor: executor, to: &key)
        for d in node.dependencies {
            key.add(.dependency, graph.nodes[d].name, .digest(states[d].outputDigest!))
        }
        return PreparedRun(recipe: recipe, key: key.digest(using: hasher), targetKey: key,
                           temporaryOuts: [], executor: executor, packedTrees: packedTrees)
    }

    private func scope(for node: Node, executor: Executor, outs: [String], state: String?) throws -> Scope {
        var scope = Scope(variables: graph.variables)
        scope.parameters = node.spec.parameters
        for (name, value) in executor.variables { scope.locals[name] = value }
        scope.locals["target"] = node.name
        if !outs.isEmpty { scope.locals["out"] = Words.join(outs) }
        if let state { scope.locals["state"] = state }
        scope.member = { [unowned self] target, member, location in
            guard let d = node.dependencies.first(where: { self.graph.nodes[$0].name == target }) else { return nil }
            let value = try self.member(member, of: d, at: location)
            // What a recipe that used a secret wrote into its state file is secret too.
            if self.states[d].usesSecret && member != "out" && member != "state" {
                self.options.secrets.add(value)
                self.states[node.index].usesSecret = true
            }
            return value
        }
        return scope
    }

    private func expandRecipe(_ spec: TargetSpec, in scope: inout Scope) throws -> Recipe {
        var steps: [Recipe.Step] = []
        for step in spec.steps {
            switch step.action {
            case .run(let t): steps.append(.run(try ShellSplice.expand(t, in: &scope)))
            case .put(let f, let t): steps.append(.put(from: try path(f, in: &scope), to: try path(t, in: &scope)))
            case .get(let f, let t): steps.append(.get(from: try path(f, in: &scope), to: try path(t, in: &scope)))
            case .pack(let root, let paths, let to):
                let files = try words(to, in: &scope)
                guard files.count == 2 else {
                    throw TargetfileError(step.location, "pack needs an archive and a manifest after '->', found \(files.count) name\(files.count == 1 ? "" : "s")")
                }
                steps.append(.pack(root: try scope.expand(root), paths: try words(paths, in: &scope),
                                   excludes: try words(spec.excludes, in: &scope),
                                   archive: files[0], manifest: files[1], formatName: files[0]))
            case .unpack(let from, let to):
                let files = try words(from, in: &scope)
                guard files.count == 2 else {
                    throw TargetfileError(step.location, "unpack needs an archive and a manifest before '->', found \(files.count) name\(files.count == 1 ? "" : "s")")
                }
                steps.append(.unpack(archive: files[0], manifest: files[1], destination: try scope.expand(to)))
            }
        }
        var environment: [(name: String, value: String)] = []
        for setting in spec.environment { environment.append((setting.name, try scope.expand(setting.value))) }
        var recipe = Recipe(steps: steps, environment: environment, timeout: spec.timeout, retry: spec.retry)
        recipe.console = spec.pool == PoolDeclaration.consoleName
        return recipe
    }

    /// Templates expanded and split at blanks: `$(out)` may stand for several names.
    private func words(_ templates: [Template], in scope: inout Scope) throws -> [String] {
        try templates.flatMap { try scope.expandWords($0) }
    }

    /// One path (`put`, `get`): expanded, `\ ` read as a blank.
    private func path(_ template: Template, in scope: inout Scope) throws -> String {
        Words.unescape(try scope.expand(template))
    }

    /// `$(DEP.out)`, `$(DEP.state)`, `$(DEP.KEY)` of dependency node `d`.
    private func member(_ member: String, of d: Int, at location: SourceLocation) throws -> String {
        let dep = graph.nodes[d]
        switch member {
        case "out":
            guard !dep.outs.isEmpty else { throw TargetfileError(location, "'\(dep.name)' declares no out") }
            return Words.join(dep.outs)
        case "state":
            guard let state = dep.state else { throw TargetfileError(location, "'\(dep.name)' declares no state") }
            return state
        default:
            guard let path = dep.state else {
                throw TargetfileError(location, "'\(dep.name)' declares no state file to read '\(member)' from")
            }
            if states[d].stateValues == nil {
                guard let bytes = fileSystem.read(path) else {
                    throw TargetfileError(location, "state file \(path) of '\(dep.name)' is missing")
                }
                states[d].stateValues = try StateFile.parse(bytes, path: path)
            }
            guard let value = states[d].stateValues![member] else {
                throw TargetfileError(location, "state file \(path) of '\(dep.name)' has no key '\(member)'")
            }
            return value
        }
    }

    /// A host that did not answer in time.
    struct WaitTimedOut: Error, CustomStringConvertible {
        var host: String
        var seconds: Double
        var lastError: String
        var description: String {
            "host \(host) did not answer within \(Duration.seconds(seconds).formattedSeconds): \(lastError)"
        }
    }

    private func identity(of executor: Executor) throws -> String {
        if identities[executor.hostName] == nil {
            identities[executor.hostName] = Result {
                if !options.dryRun { try executor.prepare() }
                return try executor.identity()
            }
        }
        return try identities[executor.hostName]!.get()
    }

    func aggregateDigest(_ node: Node) -> Digest? {
        for d in node.dependencies where states[d].outputDigest == nil { return nil }
        hasher.updateField("aggregate")
        for d in node.dependencies { hasher.update(states[d].outputDigest!) }
        return hasher.finalize()
    }

    /// What dependents see of a target's outputs: their paths and digests.
    func outputDigest(_ outputs: [OutputRecord]) -> Digest {
        hasher.updateField("outputs")
        for output in outputs {
            hasher.updateField(output.path)
            hasher.update(output.digest)
        }
        return hasher.finalize()
    }

    static func temporaryName(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return ".\(path).tbmake-new" }
        return "\(path[...slash]).\(path[path.index(after: slash)...]).tbmake-new"
    }
}
