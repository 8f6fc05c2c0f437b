import Foundation
import Testing
@testable import TBStore

@Suite struct CacheGarbageTests {
    /// Four 1000-byte objects used at t=1000, 2000, 3000, 4000.
    private func fourObjects(_ fixture: CacheFixture, _ cache: ContentStore) throws -> [Digest] {
        var digests: [Digest] = []
        for i in 0..<4 {
            let digest = try cache.store(fileAt: fixture.source("f\(i)", [UInt8](repeating: UInt8(i), count: 1000)), expected: nil)
            setLastUse(cache.objectPath(digest), seconds: 1000 * (i + 1))
            digests.append(digest)
        }
        return digests
    }

    @Test func oldestGoFirstAndKeptObjectsStay() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let d = try fourObjects(fixture, cache)
        try cache.recordAction(ActionEntry(key: SHA256.digest("k1"), outputs: [
            OutputRecord(path: "a", digest: d[1], mode: 0o100644),
            OutputRecord(path: "b", digest: d[3], mode: 0o100644),
        ]))
        let k2 = ActionEntry(key: SHA256.digest("k2"), outputs: [
            OutputRecord(path: "a", digest: d[0], mode: 0o100644),
            OutputRecord(path: "b", digest: d[3], mode: 0o100644),
        ])
        let k3 = ActionEntry(key: SHA256.digest("k3"), outputs: [])
        try cache.recordAction(k2)
        try cache.recordAction(k3)
        #expect(try cache.statistics() == (4, 4000, 3))

        #expect(try cache.collectGarbage(maxBytes: 2000, keep: [d[0]]) == GarbageCollection(removedObjects: 2, freedBytes: 2000, objects: 2, bytes: 2000))
        #expect(cache.contains(d[0]))     // oldest, but kept
        #expect(!cache.contains(d[1]))
        #expect(!cache.contains(d[2]))
        #expect(cache.contains(d[3]))
        #expect(cache.action(for: SHA256.digest("k1")) == nil)   // named d[1]
        #expect(cache.action(for: SHA256.digest("k2")) == k2)
        #expect(cache.action(for: SHA256.digest("k3")) == k3)
        #expect(try cache.statistics() == (2, 2000, 2))
        #expect(try cache.collectGarbage(maxBytes: 2000, keep: []) == GarbageCollection(removedObjects: 0, freedBytes: 0, objects: 2, bytes: 2000))
    }

    @Test func restoreAndStoreCountAsUse() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let d = try fourObjects(fixture, cache)
        try cache.restore(d[0], to: fixture.directory.file("out"), mode: 0o644)
        _ = try cache.store(fileAt: fixture.source("again", [UInt8](repeating: 1, count: 1000)), expected: d[1])
        #expect(try cache.collectGarbage(maxBytes: 2000, keep: []) == GarbageCollection(removedObjects: 2, freedBytes: 2000, objects: 2, bytes: 2000))
        #expect(Set([d[0], d[1], d[2], d[3]].filter { cache.contains($0) }) == [d[0], d[1]])
    }

    @Test func removedObjectsLoseTheirRecordAndMalformedActionsGo() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let d = try fourObjects(fixture, cache)
        let malformed = cache.actionPath(SHA256.digest("bad"))
        mkdir(FileSystem.parentDirectory(malformed), 0o755)
        writeFile(malformed, "tbmake action v1\nnot an output\n")
        #expect(try cache.collectGarbage(maxBytes: 0, keep: []) == GarbageCollection(removedObjects: 4, freedBytes: 4000, objects: 0, bytes: 0))
        #expect(try cache.statistics() == (0, 0, 0))
        #expect(!fileExists(malformed))
        let record = readText(fixture.root + "/objects.verified")
        #expect(record == "tbmake verified v1\n")
        _ = d
    }

    @Test func abandonedTemporariesAreCollected() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        try cache.store(fileAt: fixture.source("a", "a"), expected: nil)
        let old = fixture.root + "/tmp/object-1-dead"
        let fresh = fixture.root + "/tmp/object-2-live"
        writeFile(old, "left by a killed tbmake")
        writeFile(fresh, "being written")
        var times = [timespec(tv_sec: time(nil) - 7200, tv_nsec: 0), timespec(tv_sec: time(nil) - 7200, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, old, &times, 0) == 0)
        try cache.collectGarbage(maxBytes: 1 << 30, keep: [])
        #expect(!fileExists(old))
        #expect(fileExists(fresh))
        #expect(try cache.statistics().objects == 1)
    }

    @Test func hitRateOfRecentRuns() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        #expect(cache.recentHitRate() == (0, 0))
        try cache.recordRun(hits: 3, misses: 1)
        try cache.recordRun(hits: 0, misses: 2)
        #expect(cache.recentHitRate() == (3, 3))
        #expect(readText(fixture.root + "/runs.log").hasPrefix("# tbmake runs v1\n"))

        // Only the last 100 runs count: runs i = 1...150 with i hits → 51 + ... + 150.
        let other = CacheFixture()
        let many = try other.store()
        for i in 1...150 { try many.recordRun(hits: i, misses: 1) }
        #expect(many.recentHitRate() == ((51...150).reduce(0, +), 100))
    }

    @Test func runsLogIsTrimmedAndToleratesJunk() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        for i in 1...5000 { try cache.recordRun(hits: i, misses: 0) }
        let size = FileStat.lstat(fixture.root + "/runs.log")!.size
        #expect(size <= ContentStore.runsLogLimit + 64)
        #expect(cache.recentHitRate() == ((4901...5000).reduce(0, +), 0))

        writeFile(fixture.root + "/runs.log", "# tbmake runs v1\n1 2 3\ngarbage\n4 -1 0\n5 5 5\n6 1")
        #expect(cache.recentHitRate() == (7, 8))
        writeFile(fixture.root + "/runs.log", "# tbmake runs v2\n1 2 3\n")
        #expect(cache.recentHitRate() == (0, 0))
    }
}
