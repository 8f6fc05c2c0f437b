import Foundation
import Testing
@testable import TBStore

/// Anything but a regular file under an object's name (issue 10, item 8) is corrupt: it is
/// removed, never opened in a way that could block; a restore that would hand out an
/// object edited through a hard link with its mtime put back (item 9) rehashes it first;
/// temporary files of killed writers are cleaned by the next writer.
@Suite(.timeLimit(.minutes(1))) struct CacheStrayObjectTests {
    /// Puts a file of `kind` at `path`: "fifo", "socket", "device", "directory", "symlink".
    private func makeStray(_ kind: String, at path: String, target: String) {
        switch kind {
        case "fifo": precondition(mkfifo(path, 0o444) == 0)
        case "socket":
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            precondition(bound == 0)
            close(fd)
        case "device": precondition(mknod(path, S_IFCHR | 0o444, dev_t(1 << 8 | 3)) == 0)   // 1,3: /dev/null
        case "directory":
            precondition(mkdir(path, 0o755) == 0)
            writeFile(path + "/inside", "x")
        case "symlink": precondition(symlink(target, path) == 0)
        default: preconditionFailure(kind)
        }
    }

    private static let kinds: [(String, String)] = [
        ("fifo", "a FIFO"), ("socket", "a socket"), ("device", "a character device"),
        ("directory", "a directory"), ("symlink", "a symbolic link"),
    ]

    @Test(arguments: kinds)
    func restoreRemovesAnythingButARegularFileAndPlacesNothing(kind: String, name: String) throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "content"), expected: nil)
        let object = cache.objectPath(digest)
        #expect(unlink(object) == 0)
        makeStray(kind, at: object, target: fixture.source("other", "content"))

        let out = fixture.directory.file("out/a")
        #expect(throws: StoreError.notAnObject(digest: digest, path: object, kind: name)) {
            try cache.restore(digest, to: out, mode: 0o444)
        }
        #expect(FileStat.lstat(object) == nil)
        #expect(!fileExists(out))
        #expect(!cache.contains(digest))
        #expect(StoreError.notAnObject(digest: digest, path: "/c/o", kind: name).description
            == "corrupt cache object \(digest.short) (/c/o): \(name), not a regular file; removed")
        // Stored again, it is a good object.
        try cache.store(fileAt: fixture.source("b", "content"), expected: digest)
        #expect(try cache.restore(digest, to: out, mode: 0o444) == .hardLink)
        #expect(readText(out) == "content")
    }

    @Test func verifyReportsAndRemovesStraysAndGCRemovesThem() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let good = try cache.store(fileAt: fixture.source("a", "good"), expected: nil)
        let fifo = try cache.store(fileAt: fixture.source("b", "fifo"), expected: nil)
        let socketDigest = try cache.store(fileAt: fixture.source("c", "socket"), expected: nil)
        for (digest, kind) in [(fifo, "fifo"), (socketDigest, "socket")] {
            #expect(unlink(cache.objectPath(digest)) == 0)
            makeStray(kind, at: cache.objectPath(digest), target: "")
        }
        #expect(try cache.verify() == [fifo, socketDigest].sorted { $0.hex < $1.hex })
        #expect(FileStat.lstat(cache.objectPath(fifo)) == nil)
        #expect(FileStat.lstat(cache.objectPath(socketDigest)) == nil)
        #expect(try cache.verify() == [])

        makeStray("fifo", at: cache.objectPath(fifo), target: "")
        #expect(try cache.collectGarbage(maxBytes: 1 << 30, keep: [])
            == GarbageCollection(removedObjects: 0, freedBytes: 0, objects: 1, bytes: 4))
        #expect(FileStat.lstat(cache.objectPath(fifo)) == nil)
        #expect(cache.contains(good))
    }

    /// FIFOs in place of the other files a run reads: nothing blocks.
    @Test func fifosInPlaceOfMetadataNeverBlock() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "a"), expected: nil)
        let key = SHA256.digest("key")
        try cache.recordAction(ActionEntry(key: key, outputs: [OutputRecord(path: "a", digest: digest, mode: 0o100644)]))
        try cache.recordRun(hits: 1, misses: 0)
        for path in [cache.actionPath(key), fixture.root + "/objects.verified", fixture.root + "/runs.log"] {
            #expect(unlink(path) == 0)
            #expect(mkfifo(path, 0o644) == 0)
        }
        let fresh = try fixture.store()
        #expect(fresh.action(for: key) == nil)
        #expect(FileStat.lstat(fresh.actionPath(key)) == nil, "not an entry: removed")
        #expect(try fresh.restore(digest, to: fixture.directory.file("x"), mode: 0o444) == .hardLink)
        #expect(fresh.rehashCount == 1, "the record could not be read")
        #expect(fresh.recentHitRate() == (0, 0))
        #expect(throws: StoreError.io(operation: "open", path: fixture.root + "/runs.log", errno: ENXIO)) {
            try fresh.recordRun(hits: 1, misses: 0)
        }
    }

    /// Item 9: an edit through a restored hard link that keeps the size and puts the mtime
    /// back leaves the object's stat as recorded. Restoring onto that link again is what a
    /// run does when it finds the output modified: the object is rehashed, found corrupt
    /// and removed, so the target runs instead of "restoring" the same inode forever.
    @Test func restoringOntoAnEditedHardLinkFindsTheObjectCorrupt() throws {
        let fixture = CacheFixture()
        let digest = try fixture.store().store(fileAt: fixture.source("a", "original"), expected: nil)
        let cache = try fixture.store()
        let out = fixture.directory.file("a.o")
        #expect(try cache.restore(digest, to: out, mode: 0o444) == .hardLink)
        let before = try #require(FileStat.lstat(out))
        flipByte(out, at: 0)
        chmod(out, 0o444)
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),
                     timespec(tv_sec: Int(before.mtimeNs / 1_000_000_000), tv_nsec: Int(before.mtimeNs % 1_000_000_000))]
        #expect(utimensat(AT_FDCWD, out, &times, 0) == 0)
        #expect(ObjectStat(try #require(FileStat.lstat(cache.objectPath(digest)))) == ObjectStat(before), "stat as recorded")

        #expect(throws: StoreError.corruptObject(digest: digest, path: cache.objectPath(digest))) {
            try cache.restore(digest, to: out, mode: 0o444)
        }
        #expect(!cache.contains(digest))
        #expect(cache.rehashCount == 1)
        #expect(throws: StoreError.missingObject(digest: digest, path: cache.objectPath(digest))) {
            try cache.restore(digest, to: out, mode: 0o444)
        }
    }

    // MARK: - Temporary files of killed writers

    /// A pid that is not alive: a child that has exited and been reaped.
    private func deadPid() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func theNextWriterRemovesTemporariesNoLiveProcessOwns() throws {
        let fixture = CacheFixture()
        try fixture.store().store(fileAt: fixture.source("a", "a"), expected: nil)
        let dead = try deadPid()
        let tmp = fixture.root + "/tmp/"
        let abandoned = tmp + "object-\(dead)-00000000000000aa"
        let live = tmp + "object-\(getppid())-00000000000000bb"        // a live pid (our parent)
        let locked = tmp + "action-\(dead)-00000000000000cc"            // held by a writer of another pid namespace
        let foreign = tmp + "notes.txt"
        for path in [abandoned, live, locked, foreign] { writeFile(path, "partial") }
        let holder = open(locked, O_RDONLY)
        defer { close(holder) }
        #expect(flock(holder, LOCK_EX) == 0)

        // A read-only instance cleans nothing; the first store of a new one does.
        let reader = try fixture.store()
        _ = reader.action(for: SHA256.digest("none"))
        #expect(fileExists(abandoned))
        try fixture.store().store(fileAt: fixture.source("b", "b"), expected: nil)
        #expect(!fileExists(abandoned))
        #expect(fileExists(live))
        #expect(fileExists(locked))
        #expect(fileExists(foreign))
        #expect(TemporaryName.pid(in: "object-123-00000000000000aa") == 123)
        #expect(TemporaryName.pid(in: "notes.txt") == nil)
    }
}
