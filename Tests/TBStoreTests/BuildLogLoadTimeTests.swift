import Foundation
import Testing
@testable import TBStore

/// Measures loading a log the size of a 10,000-target project. Prints the time; asserts
/// only the outcome (wall-clock limits make flaky tests). For a meaningful figure, run in
/// release:
///   swift test -c release -Xswiftc -enable-testing --scratch-path /tmp/build-store-release \
///     --filter BuildLogLoadTimeTests
@Suite struct BuildLogLoadTimeTests {
    @Test func loadTenThousandTracesAndTwentyThousandDigests() throws {
        let directory = TemporaryDirectory()
        var writer = LogWriter()
        writer.bytes.append(contentsOf: (BuildLog.signature + "\n").utf8)
        for i in 0..<10_000 {
            let trace = TraceRecord(
                target: "target-\(i)",
                key: SHA256.digest("key \(i)"),
                components: [
                    KeyComponent(name: "var:version", value: "1.0"),
                    KeyComponent(name: "recipe", value: SHA256.digest("recipe \(i)").hex),
                    KeyComponent(name: "in:src/module\(i)/file.c", value: SHA256.digest("in \(i)").hex),
                    KeyComponent(name: "dep:target-\(max(i - 1, 0))", value: SHA256.digest("dep \(i)").hex),
                ],
                outputs: [OutputRecord(path: "out/target-\(i).o", digest: SHA256.digest("out \(i)"), mode: 0o100644)],
                outputDigest: SHA256.digest("outputs \(i)"),
                finishedAtMs: 1_790_000_000_000 + Int64(i), durationMs: Int64(i % 977))
            BuildLog.encode(trace, into: &writer)
        }
        for i in 0..<20_000 {
            let entry = DigestCacheEntry(
                size: Int64(i * 37), mtimeNs: 1_790_000_000_000_000_000 + Int64(i),
                ctimeNs: 1_790_000_000_000_000_000 + Int64(i), inode: UInt64(100_000 + i),
                hashedAtNs: 1_790_000_001_000_000_000, digest: SHA256.digest("file \(i)"))
            BuildLog.encode(path: "src/module\(i / 2)/file\(i % 2).c", entry: entry, into: &writer)
        }
        writeFile(directory.file("log"), writer.bytes)

        var times: [Double] = []
        for _ in 0..<(ProcessInfo.processInfo.environment["LOAD_ROUNDS"].flatMap(Int.init) ?? 7) {
            let start = DispatchTime.now().uptimeNanoseconds
            let log = try BuildLog.open(directory: directory.path, readOnly: true)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            #expect(log.traces.count == 10_000)
            #expect(log.fileDigests.count == 20_000)
            #expect(log.traces["target-42"]?.components[2].name == "in:src/module42/file.c")
        }
        times.sort()
        print("BuildLog load: \(writer.bytes.count / 1024) KiB, 10000 traces + 20000 digests:"
              + " min \(times[0]) ms, median \(times[times.count / 2]) ms")
    }
}
