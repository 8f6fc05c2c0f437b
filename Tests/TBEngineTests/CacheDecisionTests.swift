import Foundation
import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Constructive traces": decisions of a run with an artifact cache (an
/// in-memory one), exactly — what is restored and why, what runs, what is stored, what
/// dependents see of a restored target.
final class CacheDecisionTests: XCTestCase {
    /// `cp FROM TO` copies a file (keeping its bits), `chmod +x PATH` sets 0755, and the
    /// rest is `RecordingExecutor.miniShell`, command by command.
    private static let script: RecordingExecutor.Script = { context in
        for command in context.command.components(separatedBy: " ; ") {
            let words = command.split(separator: " ").map(String.init)
            if words.first == "cp", words.count == 3 {
                guard let file = context.fileSystem.file(words[1]) else { return 1 }
                context.fileSystem.write(words[2], bytes: file.bytes, permissions: file.permissions)
            } else if words.first == "chmod", words.count == 3, words[1] == "+x" {
                guard let file = context.fileSystem.file(words[2]) else { return 1 }
                context.fileSystem.write(words[2], bytes: file.bytes, permissions: 0o755)
            } else {
                var single = context
                single.command = command
                let status = try RecordingExecutor.miniShell(single)
                if status != 0 { return status }
            }
        }
        return 0
    }

    /// `a` copies `src.c` (cacheable); `b` is a side effect of `a` (no outputs); `c`
    /// copies `a.txt` and makes it executable (cacheable).
    private func project() -> (Testbed, MemoryArtifactCache) {
        let bed = Testbed("""
            a: src.c
                out a.txt
                run cp src.c $(out)
            b: a
                run say deploying $(a.out)
            c: a
                out c.txt
                run cp a.txt $(out) ; chmod +x $(out)
            """, files: ["src.c": "int main;"])
        bed.script = Self.script
        return (bed, bed.useMemoryCache())
    }

    private func counts(ran: Int = 0, restored: Int = 0, skipped: Int = 0, wouldRun: Int = 0,
                        cacheMisses: Int = 0) -> BuildSummary {
        var summary = BuildSummary.counts(ran: ran, restored: restored, skipped: skipped, wouldRun: wouldRun)
        summary.cacheMisses = cacheMisses
        return summary
    }

    private func digest(_ text: String) -> Digest { SHA256.digest(text) }

    // MARK: - Storing

    func testFirstRunStoresEveryCacheableTargetAndRecordsItsAction() throws {
        let (bed, cache) = project()
        let (summary, observer) = try bed.build("b", "c")
        XCTAssertEqual(summary, counts(ran: 3, cacheMisses: 2))
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .neverRan), "b": Decision(.run, .neverRan),
                                                    "c": Decision(.run, .neverRan)])
        let keyA = try XCTUnwrap(bed.store.traces["a"]).key, keyC = try XCTUnwrap(bed.store.traces["c"]).key
        XCTAssertEqual(cache.calls, [
            .action(key: keyA),
            .store(path: "a.txt", digest: digest("int main;")),
            .recordAction(key: keyA, paths: ["a.txt"]),
            .action(key: keyC),
            .store(path: "c.txt", digest: digest("int main;")),
            .recordAction(key: keyC, paths: ["c.txt"]),
        ], "b has no outputs: the cache is never asked about it")
        XCTAssertEqual(cache.objects, [digest("int main;"): Array("int main;".utf8)])
        XCTAssertEqual(cache.actions[keyA], ActionEntry(key: keyA, outputs: bed.store.traces["a"]!.outputs))
        XCTAssertEqual(cache.actions[keyC]?.outputs,
                       [OutputRecord(path: "c.txt", digest: digest("int main;"), mode: 0o100755)])
        XCTAssertEqual(observer.warnings, [])
    }

    // MARK: - Restoring a key seen before

    func testRevertedInputRestoresInsteadOfRunningAndSideEffectRunsAgain() throws {
        let (bed, cache) = project()
        try bed.build("b", "c")
        let first = bed.store.traces
        bed.fs.write("src.c", "int main(void);")
        let (edited, editedObserver) = try bed.build("b", "c")
        XCTAssertEqual(edited, counts(ran: 3, cacheMisses: 2))
        XCTAssertEqual(editedObserver.decisionsByTarget, [
            "a": Decision(.run, .inputChanged(path: "src.c")),
            "b": Decision(.run, .dependencyChanged(name: "a")),
            "c": Decision(.run, .dependencyChanged(name: "a")),
        ])
        bed.fs.write("src.c", "int main;")
        cache.resetCalls()
        bed.store.forgetHistory()

        let (summary, observer) = try bed.build("b", "c")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .inputChanged(path: "src.c"))),
            // Its effect lives on a host: never restored. Its key is the one of the first
            // run, not the one of its last trace, so it runs.
            "b": Decision(.run, .dependencyChanged(name: "a")),
            "c": Decision(.restore, .restoredFromCache(cause: .dependencyChanged(name: "a"))),
        ])
        XCTAssertEqual(observer.decision("a")?.reason.description,
                       "input src.c changed; outputs for this key are in the cache")
        XCTAssertEqual(summary, counts(ran: 1, restored: 2))
        XCTAssertEqual(bed.executor().commands, ["say deploying a.txt"], "neither a's nor c's recipe ran")
        XCTAssertEqual(observer.startedTargets, ["b"])
        XCTAssertEqual(bed.fs.contents("a.txt"), "int main;")
        XCTAssertEqual(bed.fs.file("a.txt")?.permissions, 0o444, "objects are read-only; a restored file too")
        XCTAssertEqual(bed.fs.file("c.txt")?.permissions, 0o555, "the executable bit is kept")
        let object = digest("int main;")
        XCTAssertEqual(cache.restoredPaths, ["a.txt", "c.txt"])
        XCTAssertEqual(cache.calls, [.action(key: try XCTUnwrap(first["a"]).key), .restore(digest: object, path: "a.txt", mode: 0o444),
                                     .action(key: try XCTUnwrap(first["c"]).key), .restore(digest: object, path: "c.txt", mode: 0o555)])
        XCTAssertEqual(cache.storedPaths, [], "nothing ran that the cache lacks")

        // The restored targets record a trace equal to the first run's but for the mode
        // and time: their key and what dependents see of them are the same.
        XCTAssertEqual(bed.store.recordedTargets, ["a", "c", "b"], "restored at once; b after its recipe")
        for name in ["a", "c"] {
            let restored = try XCTUnwrap(bed.store.traces[name]), original = try XCTUnwrap(first[name])
            XCTAssertEqual(restored.key, original.key, name)
            XCTAssertEqual(restored.components, original.components, name)
            XCTAssertEqual(restored.outputDigest, original.outputDigest, "\(name): early cutoff holds across a restore")
            XCTAssertEqual(restored.outputs.map(\.digest), original.outputs.map(\.digest), name)
            XCTAssertEqual(restored.durationMs, 0, name)
        }
        XCTAssertEqual(bed.store.traces["a"]?.outputs.map(\.mode), [0o100444])
        XCTAssertEqual(bed.store.traces["c"]?.outputs.map(\.mode), [0o100555])
        XCTAssertEqual(bed.store.traces["b"]?.key, first["b"]?.key, "b met a's original output digest")
        XCTAssertEqual(bed.store.traces["b"]?.outputDigest, first["b"]?.outputDigest, "same key applied: same digest")

        // Then everything is up to date: the read-only restored files match their traces.
        let (again, againObserver) = try bed.build("b", "c")
        XCTAssertEqual(again, counts(skipped: 3))
        XCTAssertEqual(againObserver.decisionsByTarget, ["a": Decision(.skip, .upToDate), "b": Decision(.skip, .upToDate),
                                                         "c": Decision(.skip, .upToDate)])
    }

    func testDeletedOutputIsRestoredAndDependentsStayUpToDate() throws {
        let (bed, cache) = project()
        try bed.build("b", "c")
        let first = bed.store.traces
        bed.fs.removeFile("a.txt")
        bed.fs.removeFile("c.txt")
        cache.resetCalls()

        let (summary, observer) = try bed.build("b", "c")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .outputMissing(path: "a.txt"))),
            "b": Decision(.skip, .upToDate),
            "c": Decision(.restore, .restoredFromCache(cause: .outputMissing(path: "c.txt"))),
        ])
        XCTAssertEqual(summary, counts(restored: 2, skipped: 1))
        XCTAssertEqual(bed.executor().calls, [])
        XCTAssertEqual(bed.fs.contents("a.txt"), "int main;")
        XCTAssertEqual(bed.fs.contents("c.txt"), "int main;")
        XCTAssertEqual(bed.fs.file("c.txt")?.permissions, 0o555)
        // Same key as the trace: the trace's outputs are restored, no action is looked up.
        XCTAssertEqual(cache.calls, [.restore(digest: digest("int main;"), path: "a.txt", mode: 0o444),
                                     .restore(digest: digest("int main;"), path: "c.txt", mode: 0o555)])
        XCTAssertEqual(bed.store.traces["a"]?.outputDigest, first["a"]?.outputDigest)
        XCTAssertEqual(bed.store.traces["c"]?.outputDigest, first["c"]?.outputDigest)
    }

    func testModifiedOutputIsRestored() throws {
        let (bed, _) = project()
        try bed.build("c")
        bed.fs.write("a.txt", "edited by hand")
        let (summary, observer) = try bed.build("c")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .outputModified(path: "a.txt"))),
            "c": Decision(.skip, .upToDate),
        ])
        XCTAssertEqual(summary, counts(restored: 1, skipped: 1))
        XCTAssertEqual(bed.executor().calls, [])
        XCTAssertEqual(bed.fs.contents("a.txt"), "int main;")
    }

    func testNeverRanTargetIsRestoredWhenTheCacheKnowsItsKey() throws {
        let (bed, cache) = project()
        try bed.build("c")
        // Another checkout sharing the cache: no traces, no outputs.
        let other = Testbed(bed.targetfile, files: ["src.c": "int main;"])
        other.script = Self.script
        let otherCache = other.useMemoryCache()
        for (key, entry) in cache.actions { try otherCache.recordAction(ActionEntry(key: key, outputs: entry.outputs)) }
        other.fs.write("stash", "int main;")
        try otherCache.store(fileAt: "stash", digest: digest("int main;"))
        other.fs.removeFile("stash")
        otherCache.resetCalls()

        let (summary, observer) = try other.build("c")
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .neverRan)),
            "c": Decision(.restore, .restoredFromCache(cause: .neverRan)),
        ])
        XCTAssertEqual(summary, counts(restored: 2))
        XCTAssertEqual(other.executor().calls, [])
        XCTAssertEqual(other.fs.snapshot, ["src.c": "int main;", "a.txt": "int main;", "c.txt": "int main;"])
        XCTAssertEqual(other.store.traces["c"]?.outputDigest, bed.store.traces["c"]?.outputDigest)
    }

    func testForceRunsEvenWhenTheCacheKnowsTheKey() throws {
        let (bed, cache) = project()
        try bed.build("c")
        bed.fs.removeFile("a.txt")
        cache.resetCalls()
        let (summary, observer) = try bed.build("c", options: .with { $0.force = true })
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .forced), "c": Decision(.run, .forced)])
        XCTAssertEqual(summary, counts(ran: 2, cacheMisses: 2))
        XCTAssertEqual(cache.restoredPaths, [])
    }

    // MARK: - Targets that are never cached

    func testNocacheTargetIsNeverStoredNorRestored() throws {
        let bed = Testbed("""
            a: src.c
                out a.txt
                nocache
                run write $(out) built
            """, files: ["src.c": "1"])
        let cache = bed.useMemoryCache()
        try bed.build("a")
        bed.fs.write("src.c", "2")
        try bed.build("a")
        bed.fs.write("src.c", "1")
        let (_, reverted) = try bed.build("a")
        XCTAssertEqual(reverted.decisionsByTarget, ["a": Decision(.run, .inputChanged(path: "src.c"))])
        bed.fs.removeFile("a.txt")
        let (summary, missing) = try bed.build("a")
        XCTAssertEqual(missing.decisionsByTarget, ["a": Decision(.run, .outputMissing(path: "a.txt"))])
        XCTAssertEqual(summary, counts(ran: 1), "not counted as a cache miss either")
        XCTAssertEqual(cache.calls, [])
        XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new built"])
    }

    func testAlwaysTargetIsNeverStoredNorRestored() throws {
        let bed = Testbed("""
            a:
                out a.txt
                always
                run write $(out) built
            """)
        let cache = bed.useMemoryCache()
        try bed.build("a")
        bed.fs.removeFile("a.txt")
        let (summary, observer) = try bed.build("a")
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .always)])
        XCTAssertEqual(summary, counts(ran: 1))
        XCTAssertEqual(cache.calls, [])
        XCTAssertEqual(bed.executor().commands, ["write .a.txt.tbmake-new built"])
    }

    func testTargetWithStateIsNeverCached() throws {
        let bed = Testbed("""
            node: src.c
                out node.txt
                state arg-node
                run write $(out) made ; write $(state) hostname=n1
            """, files: ["src.c": "1"])
        let cache = bed.useMemoryCache()
        try bed.build("node")
        bed.fs.write("src.c", "2")
        try bed.build("node")
        bed.fs.write("src.c", "1")
        let (_, reverted) = try bed.build("node")
        XCTAssertEqual(reverted.decisionsByTarget, ["node": Decision(.run, .inputChanged(path: "src.c"))])
        bed.fs.removeFile("node.txt")
        let (summary, missing) = try bed.build("node")
        XCTAssertEqual(missing.decisionsByTarget, ["node": Decision(.run, .outputMissing(path: "node.txt"))])
        XCTAssertEqual(summary, counts(ran: 1))
        XCTAssertEqual(cache.calls, [])
    }

    // MARK: - Options

    func testNoRestoreRunsButStillStores() throws {
        let (bed, cache) = project()
        try bed.build("c")
        let keyA = try XCTUnwrap(bed.store.traces["a"]).key
        bed.fs.write("src.c", "int main(void);")
        try bed.build("c")
        bed.fs.write("src.c", "int main;")
        cache.resetCalls()

        let (summary, observer) = try bed.build("c", options: .with { $0.restoreFromCache = false })
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .inputChanged(path: "src.c")),
                                                    "c": Decision(.run, .dependencyChanged(name: "a"))])
        XCTAssertEqual(summary, counts(ran: 2, cacheMisses: 2))
        XCTAssertEqual(bed.executor().commands, ["cp src.c .a.txt.tbmake-new",
                                                 "cp a.txt .c.txt.tbmake-new ; chmod +x .c.txt.tbmake-new"])
        XCTAssertEqual(cache.restoredPaths, [])
        XCTAssertEqual(cache.storedPaths, ["a.txt", "c.txt"])
        XCTAssertEqual(cache.recordedKeys.first, keyA)
        XCTAssertEqual(bed.fs.file("a.txt")?.permissions, 0o644, "made by the recipe, not restored")

        bed.fs.removeFile("a.txt")
        let (_, off) = try bed.build("c", options: .with { $0.restoreFromCache = false })
        XCTAssertEqual(off.decisionsByTarget, ["a": Decision(.run, .outputMissing(path: "a.txt")),
                                               "c": Decision(.skip, .upToDate)])
    }

    func testDryRunSaysRestoreWritesNothingAndDependentsSeeTheRestoredDigest() throws {
        let (bed, cache) = project()
        try bed.build("b", "c")
        bed.fs.removeFile("a.txt")
        cache.resetCalls()
        bed.store.forgetHistory()
        let files = bed.fs.snapshot

        let (summary, observer) = try bed.build("b", "c", options: .with { $0.dryRun = true })
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .outputMissing(path: "a.txt"))),
            "b": Decision(.skip, .upToDate),
            "c": Decision(.skip, .upToDate),
        ])
        XCTAssertEqual(summary, counts(restored: 1, skipped: 2))
        XCTAssertEqual(bed.fs.snapshot, files)
        XCTAssertEqual(bed.store.recorded, [])
        XCTAssertEqual(cache.calls, [], "the trace names the outputs: the cache is not even asked")
        XCTAssertEqual(bed.executor().calls, [])
    }

    func testDryRunOfARevertedInputSaysRestoreAndWhatDependentsWouldDo() throws {
        let (bed, cache) = project()
        try bed.build("b", "c")
        bed.fs.write("src.c", "int main(void);")
        try bed.build("b", "c")
        bed.fs.write("src.c", "int main;")
        cache.resetCalls()
        bed.store.forgetHistory()
        let files = bed.fs.snapshot

        let (summary, observer) = try bed.build("b", "c", options: .with { $0.dryRun = true })
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.restore, .restoredFromCache(cause: .inputChanged(path: "src.c"))),
            "b": Decision(.run, .dependencyChanged(name: "a")),
            "c": Decision(.restore, .restoredFromCache(cause: .dependencyChanged(name: "a"))),
        ])
        XCTAssertEqual(summary, counts(restored: 2, wouldRun: 1))
        XCTAssertEqual(bed.fs.snapshot, files)
        XCTAssertEqual(bed.store.recorded, [])
        XCTAssertEqual(cache.restoredPaths + cache.storedPaths, [])
        XCTAssertEqual(cache.recordedKeys, [])
        XCTAssertEqual(bed.executor().calls, [])
    }

    // MARK: - A cache that fails

    func testCorruptObjectWarnsNamingTheOutputAndRunsTheTarget() throws {
        let (bed, cache) = project()
        try bed.build("c")
        bed.fs.removeFile("a.txt")
        let object = digest("int main;")
        cache.corrupt(object)
        cache.resetCalls()

        let (summary, observer) = try bed.build("c")
        XCTAssertEqual(observer.warnings, [
            "cannot restore a.txt of a from the cache (corrupt cache object \(object.short) "
                + "(cache/objects/\(object.hex.prefix(2))/\(object.hex)): content does not match its name; removed); "
                + "running it instead",
        ])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .outputMissing(path: "a.txt")),
                                                    "c": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, counts(ran: 1, skipped: 1, cacheMisses: 1))
        XCTAssertEqual(bed.executor().commands, ["cp src.c .a.txt.tbmake-new"])
        XCTAssertEqual(bed.fs.file("a.txt")?.text, "int main;")
        XCTAssertEqual(bed.fs.file("a.txt")?.permissions, 0o644, "the recipe's file, never the corrupt object")
        let keyA = try XCTUnwrap(bed.store.traces["a"]).key
        XCTAssertEqual(cache.calls, [.restore(digest: object, path: "a.txt", mode: 0o444),
                                     .store(path: "a.txt", digest: object),
                                     .recordAction(key: keyA, paths: ["a.txt"])],
                       "the good content is stored again")
        XCTAssertEqual(cache.objects[object], Array("int main;".utf8))
    }

    func testMissingObjectWarnsAndRunsTheTarget() throws {
        let (bed, cache) = project()
        try bed.build("c")
        bed.fs.removeFile("a.txt")
        let object = digest("int main;")
        cache.removeObject(object)

        let (summary, observer) = try bed.build("c")
        XCTAssertEqual(observer.warnings, [
            "cannot restore a.txt of a from the cache (cache object \(object.short) is missing "
                + "(cache/objects/\(object.hex.prefix(2))/\(object.hex))); running it instead",
        ])
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .outputMissing(path: "a.txt")),
                                                    "c": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, counts(ran: 1, skipped: 1, cacheMisses: 1))
    }

    func testUnwritableCacheWarnsOnceStoresNothingMoreAndStillRecordsTraces() throws {
        let (bed, cache) = project()
        cache.storeError = StoreError.io(operation: "create directory", path: "cache/tmp", errno: EACCES)

        let (summary, observer) = try bed.build("b", "c")
        XCTAssertEqual(observer.warnings, [
            "not caching outputs for the rest of this run: \(StoreError.io(operation: "create directory", path: "cache/tmp", errno: EACCES))",
        ])
        XCTAssertEqual(observer.statuses, ["a": .ok, "b": .ok, "c": .ok])
        XCTAssertEqual(summary, counts(ran: 3, cacheMisses: 2))
        let keyA = try XCTUnwrap(bed.store.traces["a"]).key, keyC = try XCTUnwrap(bed.store.traces["c"]).key
        XCTAssertEqual(cache.calls, [.action(key: keyA), .store(path: "a.txt", digest: digest("int main;")),
                                     .action(key: keyC)],
                       "no action recorded; c, later in the same run, is not stored either")
        XCTAssertEqual(cache.actions, [:])
        XCTAssertEqual(cache.objects, [:])
        XCTAssertEqual(bed.store.recordedTargets, ["a", "b", "c"])

        // The next run tries again.
        cache.storeError = nil
        bed.fs.write("src.c", "int main(void);")
        let (_, next) = try bed.build("b", "c")
        XCTAssertEqual(next.warnings, [])
        XCTAssertEqual(cache.storedPaths.suffix(2), ["a.txt", "c.txt"])
        XCTAssertEqual(cache.actions.count, 2)
    }

    // MARK: - What a side-effect target produces

    func testSideEffectRerunWithTheSameKeyDoesNotRerunItsDependents() throws {
        let bed = Testbed("""
            deploy: pkg.txt
                run say deploying
            check: deploy
                run say checking
            """, files: ["pkg.txt": "v1"])
        bed.useMemoryCache()
        try bed.build("check")
        let first = try XCTUnwrap(bed.store.traces["deploy"])
        bed.store.remove("deploy")  // its trace is lost: it runs again, with the same key

        let (summary, observer) = try bed.build("check")
        XCTAssertEqual(observer.decisionsByTarget, ["deploy": Decision(.run, .neverRan), "check": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, counts(ran: 1, skipped: 1))
        XCTAssertEqual(bed.executor().commands, ["say deploying"])
        XCTAssertEqual(bed.store.traces["deploy"]?.key, first.key)
        XCTAssertEqual(bed.store.traces["deploy"]?.outputDigest, first.outputDigest, "the key applied, again")
        XCTAssertNotEqual(first.outputDigest, first.key)
    }

    func testAlwaysSideEffectRerunsItsDependentsEveryTime() throws {
        let bed = Testbed("""
            reset:
                always
                run say resetting
            check: reset
                run say checking
            """)
        bed.useMemoryCache()
        try bed.build("check")
        let first = try XCTUnwrap(bed.store.traces["reset"])

        let (summary, observer) = try bed.build("check")
        XCTAssertEqual(observer.decisionsByTarget, ["reset": Decision(.run, .always),
                                                    "check": Decision(.run, .dependencyChanged(name: "reset"))])
        XCTAssertEqual(summary, counts(ran: 2))
        XCTAssertEqual(bed.executor().commands, ["say resetting", "say checking"])
        XCTAssertEqual(bed.store.traces["reset"]?.key, first.key, "same key")
        XCTAssertNotEqual(bed.store.traces["reset"]?.outputDigest, first.outputDigest, "but news every time")
    }
}
