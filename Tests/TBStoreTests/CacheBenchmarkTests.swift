import Foundation
import Testing
@testable import TBStore

/// Figures for the benchmark: storing a 1 GiB output vs `cp`, and restoring it.
/// Prints, asserts only outcomes. Needs ~4 GiB free under /tmp; off unless
/// TBMAKE_CACHE_BENCHMARK is set. For meaningful figures, run in release:
///   TBMAKE_CACHE_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing \
///     --scratch-path /tmp/build-cache-release --filter CacheBenchmarkTests
@Suite(.serialized, .enabled(if: getenv("TBMAKE_CACHE_BENCHMARK") != nil))
struct CacheBenchmarkTests {
    @Test func oneGibibyteStoreAndRestore() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let source = fixture.directory.file("one-gib.bin")
        writeLargeFile(source, mebibytes: 1024)
        let expected = try #require(try sha256sum(source))   // also brings it into the page cache

        var stores: [Double] = []
        for _ in 0..<3 {
            let ms = try milliseconds { () throws in #expect(try cache.store(fileAt: source, expected: nil) == expected) }
            stores.append(ms)
            try cache.collectGarbage(maxBytes: 0, keep: [])
        }
        let digest = try cache.store(fileAt: source, expected: nil)
        let storeKnown = try milliseconds { _ = try cache.store(fileAt: source, expected: digest) }

        var copies: [Double] = [], syncedCopies: [Double] = []
        for i in 0..<3 {
            let target = fixture.directory.file("cp-\(i).bin")
            copies.append(try milliseconds { try run("/usr/bin/cp", [source, target]) })
            unlink(target)
            syncedCopies.append(try milliseconds {
                try run("/usr/bin/cp", [source, target])
                try run("/usr/bin/sync", [target])
            })
            unlink(target)
        }
        let hashOnly = try milliseconds { _ = try SHA256.digest(fileAt: source) }

        var links: [Double] = []
        for i in 0..<20 {
            let out = fixture.directory.file("out/link-\(i).bin")
            links.append(try milliseconds { () throws in #expect(try cache.restore(digest, to: out, mode: 0o444) == .hardLink) })
        }
        let fresh = try fixture.store()
        let linkNewProcess = try milliseconds {
            try fresh.restore(digest, to: fixture.directory.file("out/fresh.bin"), mode: 0o444)
        }
        #expect(fresh.rehashCount == 0)
        var restoredCopies: [Double] = []
        for i in 0..<3 {
            let out = fixture.directory.file("out/copy-\(i).bin")
            restoredCopies.append(try milliseconds { () throws in #expect(try cache.restore(digest, to: out, mode: 0o644) == .copy) })
            unlink(out)
        }
        #expect(try sha256sum(fixture.directory.file("out/link-0.bin")) == expected)

        let storeMs = stores.min()!, cpMs = copies.min()!, cpSyncMs = syncedCopies.min()!
        let linkMs = median(links)
        print("""
            CacheBenchmark (1 GiB, page cache warm, \(ProcessInfo.processInfo.activeProcessorCount) cores):
              store (hash + copy + fsync), new object: \(fmt(stores)) ms → best \(fmt(storeMs)) ms
              store, object present (expected given):  \(fmt(storeKnown)) ms (hash only)
              sha256 of the file alone:                \(fmt(hashOnly)) ms
              cp:                                      \(fmt(copies)) ms → best \(fmt(cpMs)) ms
              cp + sync FILE:                          \(fmt(syncedCopies)) ms → best \(fmt(cpSyncMs)) ms
              store / cp = \(fmt(storeMs / cpMs)), store / (cp + sync) = \(fmt(storeMs / cpSyncMs))
              restore by hard link: median \(fmt(linkMs)) ms, max \(fmt(links.max()!)) ms (20 runs); new instance: \(fmt(linkNewProcess)) ms
              restore by copy (mode differs): \(fmt(restoredCopies)) ms
              cp / restore-by-link = \(fmt(cpMs / linkMs))
            """)
    }

    private func milliseconds(_ body: () throws -> Void) throws -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        try body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    private func fmt(_ value: Double) -> String { String(format: "%.2f", value) }
    private func fmt(_ values: [Double]) -> String { values.map(fmt).joined(separator: ", ") }
}
