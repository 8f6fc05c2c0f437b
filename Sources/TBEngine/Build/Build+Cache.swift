#if canImport(Glibc)
import Glibc
#endif
import TBStore

/// The artifact cache in decisions: constructive traces (DESIGN §1). A target whose
/// effect is only its declared outputs — it has `out` files, no effects elsewhere (no
/// named host, `state`, `put` or `unpack`: `Node.hasEffectsElsewhere`), and is neither
/// `always` nor `nocache` — is restored from the cache instead of run when the cache
/// knows its key, and stored into the cache after it ran.
extension Build {
    /// Whether the node's outputs may come from, and go to, the cache.
    func isCacheable(_ node: Node) -> Bool {
        cache != nil && !node.outs.isEmpty && !node.hasEffectsElsewhere && !node.spec.always && !node.spec.noCache
    }

    /// What the cache recorded for `key`, when it names exactly the node's outputs.
    func cachedOutputs(of node: Node, key: Digest) -> [OutputRecord]? {
        guard isCacheable(node), let entry = cache?.action(for: key) else { return nil }
        guard entry.outputs.map(\.path).sorted() == node.outs.sorted() else { return nil }
        return entry.outputs
    }

    /// The outputs of the node's last trace, to restore a missing or modified output.
    func restorable(_ trace: TraceRecord, of node: Node) -> [OutputRecord]? {
        guard isCacheable(node), trace.outputs.map(\.path).sorted() == node.outs.sorted() else { return nil }
        return trace.outputs
    }

    /// Restores `outputs` when the cache has them (and restoring is on); otherwise, or
    /// when an object turns out missing or corrupt, runs the target.
    func runOrRestore(_ index: Int, _ prepared: PreparedRun, _ cause: RebuildReason,
                      from outputs: [OutputRecord]?) throws -> PreparedRun? {
        guard let outputs, options.restoreFromCache, let cache else {
            return try run(index, prepared, Decision(.run, cause))
        }
        let node = graph.nodes[index]
        let decision = Decision(.restore, .restoredFromCache(cause: cause))
        if options.dryRun {
            observer.decided(node.name, decision)
            states[index].status = .done
            states[index].outputDigest = outputDigest(outputs)
            summary.restored += 1
            return nil
        }
        filesMayChange()
        observer.phaseStarted(node.name, .restoring, at: .now)
        var restored: [OutputRecord] = []
        for output in outputs {
            do {
                // The object's own mode, so that the cache can hard-link it: read-only, and
                // no permission for group and others the output did not give (a 0600
                // snapshot comes back 0400). The restored file has exactly these bits.
                if output.isDirectory {
                    try cache.restoreTree(output.digest, to: output.path)
                    restored.append(OutputRecord(path: output.path, digest: output.digest, mode: UInt32(S_IFDIR) | 0o755))
                    continue
                }
                let mode = ContentStore.objectMode(for: output.mode)
                try cache.restore(output.digest, to: output.path, mode: mode)
                restored.append(OutputRecord(path: output.path, digest: output.digest, mode: UInt32(S_IFREG) | mode))
            } catch {
                observer.phaseEnded(node.name, .restoring, PhaseOutcome(status: .failed, reason: "\(error)"), at: .now)
                observer.warning("cannot restore \(output.path) of \(node.name) from the cache (\(error)); running it instead")
                return try run(index, prepared, Decision(.run, cause))
            }
        }
        observer.phaseEnded(node.name, .restoring, PhaseOutcome(status: .ok, bytes: bytes(of: restored)), at: .now)
        observer.decided(node.name, decision)
        let digest = outputDigest(restored)
        try record(TraceRecord(target: node.name, key: prepared.key, components: prepared.targetKey.components,
                               outputs: restored, outputDigest: digest,
                               finishedAtMs: wallClockNs() / 1_000_000, durationMs: 0))
        states[index].status = .done
        states[index].outputDigest = digest
        summary.restored += 1
        return nil
    }

    /// After a successful run: stores the outputs, then what the key produced. A cache
    /// that cannot be written is left alone for the rest of the run, with one warning;
    /// no action is recorded for outputs that were not stored.
    func storeInCache(_ node: Node, key: Digest, outputs: [OutputRecord]) {
        guard isCacheable(node), cacheWritable, let cache else { return }
        observer.phaseStarted(node.name, .storing, at: .now)
        do {
            for output in outputs {
                if output.isDirectory {
                    try cache.storeTree(at: output.path, digest: output.digest)
                } else {
                    try cache.store(fileAt: output.path, digest: output.digest)
                }
            }
            try cache.recordAction(ActionEntry(key: key, outputs: outputs))
            observer.phaseEnded(node.name, .storing, PhaseOutcome(status: .ok, bytes: bytes(of: outputs)), at: .now)
        } catch {
            observer.phaseEnded(node.name, .storing, PhaseOutcome(status: .failed, reason: "\(error)"), at: .now)
            cacheWritable = false
            observer.warning("not caching outputs for the rest of this run: \(error)")
        }
    }

    /// The bytes of the regular files among `outputs` (directories count nothing).
    private func bytes(of outputs: [OutputRecord]) -> Int64 {
        outputs.reduce(0) { sum, output in sum + (output.isDirectory ? 0 : fileSystem.stat(output.path)?.size ?? 0) }
    }
}
