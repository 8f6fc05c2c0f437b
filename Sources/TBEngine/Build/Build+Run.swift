import TBStore
#if canImport(Glibc)
import Glibc
#endif

extension Build {
    /// What a worker hands back to the scheduler.
    struct Completion {
        var index: Int
        var prepared: PreparedRun
        var failure: RecipeRunner.Failure?
        /// What each `pack` step packed, by step index.
        var packed: [Int: [PackedEntry]]
        var durationMs: Int64
        var log: RecipeLog
        var logPath: String?
    }

    func start(_ index: Int, _ prepared: PreparedRun, into completions: CompletionQueue<Event>) {
        let node = graph.nodes[index]
        states[index].status = .running
        filesMayChange()
        startedCount += 1
        observer.started(node.name, started: startedCount, total: totalWithRecipe)
        let logPath = options.logDirectory.map { "\($0)/\(Build.logFileName(node.name))" }
        let log = RecipeLog(path: logPath, secrets: options.secrets) { chunk in
            completions.push(.progress(index: index, .output(chunk)))
        }
        for (_, final) in prepared.temporaryOuts {
            if let slash = final.lastIndex(of: "/") { try? fileSystem.createDirectory(String(final[..<slash])) }
        }
        // An output restored from the cache is read-only, and may share its inode with the
        // cache's object and other checkouts: a recipe that writes it by name must create a
        // new file, never write through it. The cache still holds what it held.
        for out in node.outs {
            if let stat = fileSystem.stat(out), stat.isRegular, stat.linkCount > 1 || stat.mode & 0o200 == 0 {
                fileSystem.removeFile(out)
            }
        }
        let begin = ContinuousClock.now
        // The instances of a fan-out share one deadline, as the imaging tools' global timeout.
        var deadline: ContinuousClock.Instant?
        if let group = node.group {
            runningInGroup[group, default: 0] += 1
            if let timeout = node.spec.timeout {
                deadline = groupDeadlines[group] ?? begin + .milliseconds(Int64(timeout * 1000))
                groupDeadlines[group] = deadline
            }
        }
        let fileSystem = self.fileSystem
        let archiver = self.archiver
        Worker.spawn {
            var packed: [Int: [PackedEntry]] = [:]
            let failure = RecipeRunner.run(prepared.recipe, on: prepared.executor, archiver: archiver, log: log,
                                           deadline: deadline, packed: &packed,
                                           steps: { completions.push(.progress(index: index, .step($0))) }) {
                for (temporary, _) in prepared.temporaryOuts { fileSystem.removeFile(temporary) }
            }
            log.flush()
            let elapsed = ContinuousClock.now - begin
            let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            completions.push(.recipe(Completion(index: index, prepared: prepared, failure: failure, packed: packed,
                                                durationMs: ms, log: log, logPath: logPath)))
        }
    }

    /// Settles a finished recipe: moves its outputs into place, hashes them and records
    /// the trace — or, on failure, removes what it left and records nothing.
    func finish(_ completion: Completion) throws {
        let index = completion.index
        let node = graph.nodes[index]
        if let group = node.group { runningInGroup[group, default: 1] -= 1 }
        var failure = completion.failure.map { completion.log.mask($0.message) }
        var kind = completion.failure?.kind
        var outputs: [OutputRecord] = []
        if failure == nil {
            do {
                outputs = try placeOutputs(completion.prepared.temporaryOuts)
            } catch {
                failure = "\(error)"
                kind = (error as? RecipeRunner.Failure)?.kind ?? .other
            }
        }
        if let failure {
            for (temporary, _) in completion.prepared.temporaryOuts { fileSystem.removeFile(temporary) }
            states[index].status = .failed
            summary.failed += 1
            observer.finished(node.name, TargetResult(status: .failed, durationMs: completion.durationMs, failure: failure,
                                                      tail: completion.log.lastLines(10), logPath: completion.logPath,
                                                      kind: kind,
                                                      failedStep: completion.failure?.step.map { ($0.number, completion.log.mask($0.text)) }))
            if !options.keepGoing { stop(after: index) }
            return
        }
        // The trees `pack` read, as it read them: the key the trace keeps.
        var targetKey = completion.prepared.targetKey
        var key = completion.prepared.key
        if !completion.prepared.packedTrees.isEmpty {
            setPackedTrees(completion.prepared.packedTrees, packed: completion.packed, in: &targetKey)
            key = targetKey.digest(using: hasher)
        }
        let digest: Digest
        if outputs.isEmpty {
            // Its effect lives on a host, and what it produced is the fact that this key
            // was applied there: the same key applied again is no news for dependents.
            // An `always` target (a reset) is news every time it runs.
            hasher.updateField("applied")
            hasher.update(key)
            if node.spec.always { hasher.updateField(String(wallClockNs())) }
            digest = hasher.finalize()
        } else {
            digest = outputDigest(outputs)
        }
        let trace = TraceRecord(target: node.name, key: key, components: targetKey.components,
                                outputs: outputs, outputDigest: digest, finishedAtMs: wallClockNs() / 1_000_000,
                                durationMs: completion.durationMs)
        try record(trace)
        storeInCache(node, key: key, outputs: outputs)
        if isCacheable(node) { summary.cacheMisses += 1 }
        states[index].status = .done
        states[index].outputDigest = digest
        summary.ran += 1
        observer.finished(node.name, TargetResult(status: .ok, durationMs: completion.durationMs, logPath: completion.logPath))
    }

    func record(_ trace: TraceRecord) throws {
        do { try store.record(trace) } catch let error as StoreError { throw EngineError.store(error) }
    }

    /// The digest of an output: a file's content, or a directory output's tree.
    func outputDigest(of path: String, stat: FileStat) throws -> Digest {
        stat.isDirectory ? try fileSystem.digest(ofTree: path) : try fileSystem.digest(ofFile: path, stat: stat)
    }

    /// Renames each temporary output over its final name (a recipe that wrote the final
    /// name itself is accepted too) and hashes it. A directory output replaces the
    /// previous tree as a whole.
    private func placeOutputs(_ outs: [(temporary: String, final: String)]) throws -> [OutputRecord] {
        var records: [OutputRecord] = []
        for (temporary, final) in outs {
            if fileSystem.stat(temporary) != nil {
                try fileSystem.rename(temporary, to: final)
            }
            guard let stat = fileSystem.stat(final), stat.isRegular || stat.isDirectory else {
                throw RecipeRunner.Failure(message: "recipe succeeded but did not write \(final)", kind: .missingOutput)
            }
            records.append(OutputRecord(path: final, digest: try outputDigest(of: final, stat: stat), mode: stat.mode))
        }
        return records
    }

    /// Before the first recipe runs or output is restored: the stats taken at start-up
    /// (inputs' at graph load, outputs' prefetched) no longer hold.
    func filesMayChange() {
        guard !filesMayHaveChanged else { return }
        filesMayHaveChanged = true
        fileSystem.forgetEarlyStats()
    }

    /// `dev-rpm.log`; `/` in instance or target names becomes `_`.
    static func logFileName(_ target: String) -> String {
        String(target.map { $0 == "/" ? "_" : $0 }) + ".log"
    }
}

extension RecipeRunner.Failure: CustomStringConvertible {
    var description: String { message }
}
