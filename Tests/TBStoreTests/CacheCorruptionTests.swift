import Foundation
import Testing
@testable import TBStore

@Suite struct CacheCorruptionTests {
    @Test func flippedByteIsDetectedRemovedAndNotPlaced() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "0123456789abcdef"), expected: nil)
        let object = cache.objectPath(digest)
        flipByte(object, at: 5)

        let out = fixture.directory.file("out/a")
        #expect(throws: StoreError.corruptObject(digest: digest, path: object)) {
            try cache.restore(digest, to: out, mode: 0o644)
        }
        #expect(!fileExists(out))
        #expect(!fileExists(object))
        #expect(!cache.contains(digest))
        #expect(restoreTemporaries(in: fixture.directory.file("out")).isEmpty)
        #expect(StoreError.corruptObject(digest: digest, path: "/c/o").description
            == "corrupt cache object \(digest.short) (/c/o): content does not match its name; removed")
    }

    @Test func truncatedObjectIsDetectedRemovedAndNotPlaced() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "a longer piece of content"), expected: nil)
        let object = cache.objectPath(digest)
        #expect(truncate(object, 7) == 0)

        let out = fixture.directory.file("a.out")
        #expect(throws: StoreError.corruptObject(digest: digest, path: object)) {
            try cache.restore(digest, to: out, mode: 0o444)
        }
        #expect(!fileExists(out))
        #expect(!fileExists(object))
    }

    /// The restored hard link shares the object's inode: an edit through it (as root, or
    /// after a chmod) changes the object, and is caught on the next use instead of being
    /// handed out again.
    @Test func editThroughAHardLinkedRestoreIsNotPropagated() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "original"), expected: nil)
        let first = fixture.directory.file("first")
        #expect(try cache.restore(digest, to: first, mode: 0o444) == .hardLink)
        flipByte(first, at: 0)

        let second = fixture.directory.file("second")
        #expect(throws: StoreError.corruptObject(digest: digest, path: cache.objectPath(digest))) {
            try cache.restore(digest, to: second, mode: 0o444)
        }
        #expect(!fileExists(second))
        #expect(!cache.contains(digest))
        // Storing the original again gives a fresh, intact object.
        #expect(try cache.store(fileAt: fixture.source("b", "original"), expected: digest) == digest)
        try cache.restore(digest, to: second, mode: 0o644)
        #expect(readText(second) == "original")
    }

    @Test func intactObjectIsNotRehashedOnRestore() throws {
        let fixture = CacheFixture()
        let digest = try fixture.store().store(fileAt: fixture.source("a", "intact"), expected: nil)

        // A new instance (the next run, another process): the record is on disk.
        let cache = try fixture.store()
        let out = fixture.directory.file("out/a")
        #expect(try cache.restore(digest, to: out, mode: 0o444) == .hardLink)
        try cache.restore(digest, to: fixture.directory.file("out/b"), mode: 0o644)
        // Unlinking a restored hard link changes the object's ctime, not what is recorded.
        #expect(unlink(out) == 0)
        try cache.restore(digest, to: out, mode: 0o444)
        #expect(cache.rehashCount == 0)
        #expect(readText(out) == "intact")
        // Restoring onto a file that already is the object: the caller found it modified,
        // so the object is rehashed before it is believed (CacheStrayObjectTests).
        try cache.restore(digest, to: out, mode: 0o444)
        #expect(cache.rehashCount == 1)
    }

    @Test func objectWithoutARecordIsRehashedOnceThenTrusted() throws {
        let fixture = CacheFixture()
        let digest = try fixture.store().store(fileAt: fixture.source("a", "no record"), expected: nil)
        #expect(unlink(fixture.root + "/objects.verified") == 0)

        let cache = try fixture.store()
        try cache.restore(digest, to: fixture.directory.file("x"), mode: 0o644)
        #expect(cache.rehashCount == 1)
        try cache.restore(digest, to: fixture.directory.file("y"), mode: 0o644)
        #expect(cache.rehashCount == 1)
        let next = try fixture.store()
        try next.restore(digest, to: fixture.directory.file("z"), mode: 0o644)
        #expect(next.rehashCount == 0)
    }

    @Test func garbledVerificationRecordOnlyCostsRehashes() throws {
        let fixture = CacheFixture()
        let digest = try fixture.store().store(fileAt: fixture.source("a", "content"), expected: nil)
        writeFile(fixture.root + "/objects.verified", "something else\n\(digest.hex) 1 2 3\n")
        let cache = try fixture.store()
        try cache.restore(digest, to: fixture.directory.file("x"), mode: 0o644)
        #expect(cache.rehashCount == 1)
        // Rewritten with this object's stat alone: the foreign line is gone.
        let st = try #require(FileStat.lstat(cache.objectPath(digest)))
        #expect(readText(fixture.root + "/objects.verified") == "tbmake verified v1\n\(digest.hex) \(st.inode) \(st.size) \(st.mtimeNs)\n")
        let next = try fixture.store()
        try next.restore(digest, to: fixture.directory.file("y"), mode: 0o644)
        #expect(next.rehashCount == 0)
    }

    @Test func verifyFindsAndRemovesExactlyTheCorruptObjects() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        var digests: [Digest] = []
        for i in 0..<5 {
            digests.append(try cache.store(fileAt: fixture.source("f\(i)", "content number \(i)"), expected: nil))
        }
        flipByte(cache.objectPath(digests[1]), at: 3)
        #expect(truncate(cache.objectPath(digests[3]), 2) == 0)
        // Reading for verification is not a use: last-use times stay.
        setLastUse(cache.objectPath(digests[0]), seconds: 1_000_000)

        let fresh = try fixture.store()
        #expect(try fresh.verify() == [digests[1], digests[3]].sorted { $0.hex < $1.hex })
        #expect(fresh.rehashCount == 5)
        #expect(!fresh.contains(digests[1]))
        #expect(!fresh.contains(digests[3]))
        #expect(try fresh.statistics().objects == 3)
        #expect(try fresh.verify() == [])
        var st = stat()
        #expect(stat(cache.objectPath(digests[0]), &st) == 0 && st.st_atim.tv_sec == 1_000_000)
        for i in [0, 2, 4] {
            try fresh.restore(digests[i], to: fixture.directory.file("out\(i)"), mode: 0o644)
            #expect(readText(fixture.directory.file("out\(i)")) == "content number \(i)")
        }
    }
}
