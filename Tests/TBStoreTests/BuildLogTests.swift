import Foundation
import Testing
@testable import TBStore

/// A trace whose fields all derive from `seed`.
func sampleTrace(_ target: String, seed: String = "1", components: [KeyComponent]? = nil) -> TraceRecord {
    TraceRecord(
        target: target,
        key: SHA256.digest("key " + target + seed),
        components: components ?? [
            KeyComponent(name: "var:version", value: seed),
            KeyComponent(name: "recipe", value: SHA256.digest("recipe" + seed).hex),
            KeyComponent(name: "in:src/a.c", value: SHA256.digest("a.c" + seed).hex),
        ],
        outputs: [OutputRecord(path: "dist/\(target).rpm", digest: SHA256.digest("out" + seed), mode: 0o100644)],
        outputDigest: SHA256.digest("outputs " + target + seed),
        finishedAtMs: 1_790_000_000_000,
        durationMs: 1234)
}

func sampleEntry(_ seed: Int64) -> DigestCacheEntry {
    DigestCacheEntry(
        size: seed, mtimeNs: 1_790_000_000_000_000_000 + seed, ctimeNs: 1_790_000_000_000_000_001 + seed,
        inode: UInt64(seed) + 1000, hashedAtNs: 1_790_000_000_100_000_000 + seed,
        digest: SHA256.digest("entry \(seed)"))
}

func lineCount(_ path: String) -> Int {
    readFile(path).filter { $0 == UInt8(ascii: "\n") }.count
}

@Suite struct BuildLogTests {
    @Test func roundTripIncludingAwkwardStrings() throws {
        let directory = TemporaryDirectory()
        let logDirectory = directory.file(".tbmake")
        let awkward = sampleTrace(
            "load-image@fit03\twith\ttabs\nand\\newlines\\",
            components: [
                KeyComponent(name: "var:msg", value: "a\tb\nc\\d\\\\t \\n"),
                KeyComponent(name: "var:empty", value: ""),
                KeyComponent(name: "var:ünïcødé", value: "✓ 日本"),
                KeyComponent(name: "in:dir with space/\\t", value: "\\"),
            ])
        var negative = sampleTrace("neg", components: [])
        negative.outputs = []
        negative.finishedAtMs = -5
        negative.durationMs = Int64.min
        let plain = sampleTrace("dev-rpm")
        let entries: [(path: String, entry: DigestCacheEntry)] = [
            ("src/a.c", sampleEntry(1)),
            ("weird\tpath\nwith\\stuff", sampleEntry(2)),
            ("big", DigestCacheEntry(size: Int64.max, mtimeNs: -1, ctimeNs: 0, inode: UInt64.max,
                                     hashedAtNs: Int64.max, digest: SHA256.digest(""))),
        ]

        let log = try BuildLog.open(directory: logDirectory, readOnly: false)
        try log.append(awkward)
        try log.append(negative)
        try log.append(plain)
        try log.append(fileDigests: entries)
        try log.close()

        let reloaded = try BuildLog.open(directory: logDirectory, readOnly: true)
        #expect(reloaded.traces == [awkward.target: awkward, negative.target: negative, plain.target: plain])
        #expect(reloaded.fileDigests == Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0.entry) }))
        #expect(readText(logDirectory + "/log").hasPrefix("# tbmake log v1\nT\tload-image@fit03\\twith\\ttabs\\nand\\\\newlines\\\\\t"))
        #expect(lineCount(logDirectory + "/log") == 1 + 3 + 3)
    }

    @Test func laterRecordsReplaceEarlierOnes() throws {
        let directory = TemporaryDirectory()
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        try log.append(sampleTrace("a", seed: "1"))
        try log.append(sampleTrace("b", seed: "1"))
        try log.append(sampleTrace("a", seed: "2"))
        try log.append(fileDigests: [("f", sampleEntry(1))])
        try log.append(fileDigests: [("f", sampleEntry(2)), ("g", sampleEntry(3))])
        try log.remove(target: "b")
        try log.remove(target: "never-ran")
        #expect(log.traces == ["a": sampleTrace("a", seed: "2")])
        try log.close()

        let reloaded = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(reloaded.traces == ["a": sampleTrace("a", seed: "2")])
        #expect(reloaded.fileDigests == ["f": sampleEntry(2), "g": sampleEntry(3)])
        // signature, 3 traces, 3 digest entries, 1 tombstone: no compaction that small
        #expect(lineCount(directory.file("log")) == 8)
    }

    @Test func tornLastLineIsIgnoredAndTruncated() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("log")
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        try log.append(sampleTrace("a"))
        try log.close()
        let intact = readFile(path)

        // A write killed half way: part of a record, no "\n".
        var encoded = LogWriter()
        BuildLog.encode(sampleTrace("b"), into: &encoded)
        writeFile(path, intact + encoded.bytes.prefix(100))

        let readOnly = try BuildLog.open(directory: directory.path, readOnly: true)
        #expect(readOnly.traces == ["a": sampleTrace("a")])
        #expect(readFile(path).count == intact.count + 100)

        let reopened = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(reopened.traces == ["a": sampleTrace("a")])
        #expect(readFile(path) == intact)
        try reopened.append(sampleTrace("c"))
        try reopened.close()
        #expect(try BuildLog.open(directory: directory.path, readOnly: true).traces
                == ["a": sampleTrace("a"), "c": sampleTrace("c")])
    }

    @Test func tornSignatureStartsAFreshLog() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("log"), "# tbmake lo")
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(log.traces.isEmpty)
        #expect(readText(directory.file("log")) == "# tbmake log v1\n")
        #expect(!fileExists(directory.file("log.unreadable")))
    }

    @Test func malformedLineInTheMiddleIsSkipped() throws {
        let directory = TemporaryDirectory()
        var writer = LogWriter()
        BuildLog.encode(sampleTrace("a"), into: &writer)
        let good = writer.bytes
        var text = Array("# tbmake log v1\n".utf8) + good
        text += Array("T\tb\tnot-a-digest\n".utf8)
        text += Array("X\tunknown record kind\n\n".utf8)
        text += Array("D\tf\t1\t2\t3\t4\t5\n".utf8)           // digest missing
        writer = LogWriter()
        BuildLog.encode(sampleTrace("c"), into: &writer)
        BuildLog.encode(path: "f", entry: sampleEntry(7), into: &writer)
        text += writer.bytes
        writeFile(directory.file("log"), text)

        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(log.traces == ["a": sampleTrace("a"), "c": sampleTrace("c")])
        #expect(log.fileDigests == ["f": sampleEntry(7)])
        #expect(log.recordCount == 7)
        #expect(readFile(directory.file("log")) == text)
    }

    @Test func unknownVersionStartsOverAndKeepsTheOldFile() throws {
        let directory = TemporaryDirectory()
        let old = "# tbmake log v99\nT\tsomething\tnew\n"
        writeFile(directory.file("log"), old)

        let readOnly = try BuildLog.open(directory: directory.path, readOnly: true)
        #expect(readOnly.traces.isEmpty && readOnly.fileDigests.isEmpty)
        #expect(readText(directory.file("log")) == old)
        #expect(!fileExists(directory.file("log.unreadable")))

        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(log.traces.isEmpty && log.fileDigests.isEmpty)
        #expect(readText(directory.file("log.unreadable")) == old)
        #expect(readText(directory.file("log")) == "# tbmake log v1\n")
        try log.append(sampleTrace("a"))
        try log.close()
        #expect(try BuildLog.open(directory: directory.path, readOnly: true).traces == ["a": sampleTrace("a")])
    }

    @Test func notALogAtAllStartsOver() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("log"), [0xFF, 0x00, 0x0A, 0x41])
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(log.traces.isEmpty)
        #expect(readFile(directory.file("log.unreadable")) == [0xFF, 0x00, 0x0A, 0x41])
    }

    @Test func readOnlyOpensAMissingDirectoryWithoutCreatingIt() throws {
        let directory = TemporaryDirectory()
        let missing = directory.file("project/.tbmake")
        let log = try BuildLog.open(directory: missing, readOnly: true)
        #expect(log.traces.isEmpty && log.fileDigests.isEmpty)
        #expect(!fileExists(directory.file("project")))
        #expect(throws: StoreError.io(operation: "write", path: missing + "/log", errno: EROFS)) {
            try log.append(sampleTrace("a"))
        }
        try log.close()
        #expect(!fileExists(directory.file("project")))
    }

    @Test func writableOpenCreatesTheDirectory() throws {
        let directory = TemporaryDirectory()
        let nested = directory.file("project/.tbmake")
        let log = try BuildLog.open(directory: nested, readOnly: false)
        #expect(readText(nested + "/log") == "# tbmake log v1\n")
        try log.close()
        #expect(throws: StoreError.io(operation: "write", path: nested + "/log", errno: EBADF)) {
            try log.append(sampleTrace("a"))
        }
    }

    @Test func openFailsWithTheSystemsWords() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("file"), "x")
        #expect(throws: StoreError.io(operation: "create directory", path: directory.file("file"), errno: ENOTDIR)) {
            try BuildLog.open(directory: directory.file("file"), readOnly: false)
        }
    }

    @Test func compactionKeepsExactlyTheLiveRecords() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("log")
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        for round in 0..<400 {
            for target in ["a", "b", "c"] { try log.append(sampleTrace(target, seed: "\(round)")) }
            try log.append(fileDigests: [("f", sampleEntry(Int64(round))), ("g", sampleEntry(Int64(round) + 1))])
        }
        try log.append(sampleTrace("gone"))
        try log.remove(target: "gone")
        let expectedTraces = ["a": sampleTrace("a", seed: "399"), "b": sampleTrace("b", seed: "399"),
                              "c": sampleTrace("c", seed: "399")]
        let expectedDigests = ["f": sampleEntry(399), "g": sampleEntry(400)]
        #expect(lineCount(path) == 1 + 2002)
        try log.close()

        #expect(lineCount(path) == 1 + 3 + 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["log"], "no temporary file left")
        let reloaded = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(reloaded.traces == expectedTraces)
        #expect(reloaded.fileDigests == expectedDigests)
        #expect(reloaded.recordCount == 5)
    }

    @Test func noCompactionWhileMostRecordsAreLive() throws {
        let directory = TemporaryDirectory()
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        for i in 0..<1500 { try log.append(sampleTrace("t\(i)")) }
        for i in 0..<500 { try log.append(sampleTrace("t\(i)", seed: "2")) }
        try log.close()
        #expect(lineCount(directory.file("log")) == 1 + 2000)
    }

    /// A trace naming other outputs with every field of the seed.
    private func slotTrace(_ target: String, output: String, seed: String, at ms: Int64) -> TraceRecord {
        var trace = sampleTrace(target, seed: seed)
        trace.outputs = [OutputRecord(path: output, digest: SHA256.digest("out" + seed), mode: 0o100644)]
        trace.finishedAtMs = ms
        return trace
    }

    @Test func eachSlotKeepsItsTraceAndTheLastStaysLastAcrossCompaction() throws {
        let directory = TemporaryDirectory()
        let log = try BuildLog.open(directory: directory.path, readOnly: false)
        // 20 slots of "node" (a state file per build), then slot 3 again: it is the last.
        for i in 0..<20 { try log.append(slotTrace("node", output: "arg-\(i)", seed: "\(i)", at: Int64(i))) }
        let back = slotTrace("node", output: "arg-3", seed: "3", at: 100)
        try log.append(back)
        let host = sampleTrace("install", components: [KeyComponent(name: "host:prod", value: "id")])
        try log.append(host)
        #expect(log.traces["node"] == back)
        #expect(log.earlierSlots.count == 19, "20 slots of node, arg-3 the last again")
        #expect(log.trace(for: "node", slot: TraceRecord.slot(target: "node", outputs: ["arg-7"], host: nil))?.outputs.map(\.path) == ["arg-7"])
        #expect(log.trace(for: "node", slot: TraceRecord.slot(target: "node", outputs: ["arg-3"], host: nil)) == back)
        #expect(log.trace(for: "install", slot: TraceRecord.slot(target: "install", outputs: ["dist/install.rpm"], host: "prod")) == host)
        #expect(log.trace(for: "install", slot: TraceRecord.slot(target: "install", outputs: ["dist/install.rpm"], host: nil)) == nil)
        for i in 0..<1000 { try log.append(fileDigests: [("f", sampleEntry(Int64(i)))]) }
        try log.close()

        let reloaded = try BuildLog.open(directory: directory.path, readOnly: false)
        #expect(reloaded.traces == ["node": back, "install": host])
        // Compaction kept the 16 most recent slots of node: arg-3 (last) and arg-5 ... arg-19.
        let kept = Set(reloaded.earlierSlots.values.filter { $0.target == "node" }.flatMap { $0.outputs.map(\.path) })
        #expect(kept == Set((5..<20).map { "arg-\($0)" }), "and arg-3, the last")
        #expect(reloaded.recordCount == 16 + 1 + 1)
        try reloaded.remove(target: "node")
        #expect(reloaded.earlierSlots.isEmpty)
        #expect(reloaded.traces.keys.sorted() == ["install"])
    }
}
