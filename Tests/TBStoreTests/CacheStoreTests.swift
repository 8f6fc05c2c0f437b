import Foundation
import Testing
@testable import TBStore

@Suite struct CacheStoreTests {
    @Test func storeThenRestoreExecutableAndPlainFiles() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let tool = fixture.source("tool.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        let data = fixture.source("data.txt", "plain data\n", mode: 0o644)

        let toolDigest = try cache.store(fileAt: tool, expected: nil)
        let dataDigest = try cache.store(fileAt: data, expected: SHA256.digest("plain data\n"))
        #expect(toolDigest == SHA256.digest("#!/bin/sh\necho hi\n"))
        #expect(dataDigest == SHA256.digest("plain data\n"))
        #expect(cache.objectPath(dataDigest) == fixture.root + "/objects/" + dataDigest.hex.prefix(2) + "/" + dataDigest.hex)
        #expect(permissions(cache.objectPath(toolDigest)) == 0o555)
        #expect(permissions(cache.objectPath(dataDigest)) == 0o444)
        #expect(readText(fixture.root + "/VERSION") == "tbmake cache v1\n")

        let out = fixture.directory.file("work/dist/bin")
        #expect(try cache.restore(toolDigest, to: out + "/tool.sh", mode: 0o100755) == .copy)
        #expect(try cache.restore(dataDigest, to: out + "/data.txt", mode: 0o100644) == .copy)
        #expect(readText(out + "/tool.sh") == "#!/bin/sh\necho hi\n")
        #expect(readText(out + "/data.txt") == "plain data\n")
        #expect(permissions(out + "/tool.sh") == 0o755)
        #expect(permissions(out + "/data.txt") == 0o644)
        #expect(FileStat.lstat(out + "/tool.sh")!.inode != FileStat.lstat(cache.objectPath(toolDigest))!.inode)
        #expect(restoreTemporaries(in: out).isEmpty)
        #expect(fixture.temporaries().isEmpty)
    }

    @Test func restoreWithTheObjectsModeIsAHardLink() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a.bin", "payload", mode: 0o755), expected: nil)
        let object = cache.objectPath(digest)
        #expect(linkCount(object) == 1)

        let out = fixture.directory.file("out/a.bin")
        #expect(try cache.restore(digest, to: out, mode: 0o100555) == .hardLink)
        #expect(FileStat.lstat(out)!.inode == FileStat.lstat(object)!.inode)
        #expect(linkCount(object) == 2)
        #expect(readText(out) == "payload")
        #expect(permissions(out) == 0o555)

        // Again onto the same link: rename(2) of a name onto another name of the same
        // inode does nothing, and the temporary name must not stay behind.
        #expect(try cache.restore(digest, to: out, mode: 0o555) == .hardLink)
        #expect(linkCount(object) == 2)
        #expect(restoreTemporaries(in: fixture.directory.file("out")).isEmpty)
    }

    @Test func restoreReplacesAnExistingFileAtomically() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("new", "new content"), expected: nil)
        let out = fixture.source("out.txt", "old content that is longer")
        let oldInode = FileStat.lstat(out)!.inode
        try cache.restore(digest, to: out, mode: 0o644)
        #expect(readText(out) == "new content")
        #expect(FileStat.lstat(out)!.inode != oldInode)   // a new file renamed in, not rewritten in place
        #expect(restoreTemporaries(in: fixture.directory.path).isEmpty)
    }

    @Test func restoreOntoADirectoryFailsAndLeavesNothing() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "a"), expected: nil)
        let out = fixture.directory.file("dir")
        mkdir(out, 0o755)
        mkdir(out + "/inside", 0o755)
        do {
            try cache.restore(digest, to: out, mode: 0o644)
            Issue.record("restore onto a directory succeeded")
        } catch {
            guard case .io(let operation, let path, let code) = error else { Issue.record("\(error)"); return }
            #expect(operation == "rename")
            #expect(path.hasSuffix(" to " + out), "names the destination: \(path)")
            #expect(code == EISDIR)
        }
        #expect(restoreTemporaries(in: fixture.directory.path).isEmpty)
        #expect(FileStat.lstat(out)!.isDirectory)
    }

    @Test func restoringAMissingObjectThrows() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = SHA256.digest("never stored")
        #expect(throws: StoreError.missingObject(digest: digest, path: cache.objectPath(digest))) {
            try cache.restore(digest, to: fixture.directory.file("x"), mode: 0o644)
        }
        #expect(!fileExists(fixture.directory.file("x")))
        #expect(!cache.contains(digest))
    }

    @Test func expectedDigestMismatchStoresNothing() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let path = fixture.source("a", "actual")
        let wrong = SHA256.digest("expected")
        #expect(throws: StoreError.digestMismatch(path: path, expected: wrong, actual: SHA256.digest("actual"))) {
            try cache.store(fileAt: path, expected: wrong)
        }
        #expect(try cache.statistics().objects == 0)
        #expect(!cache.contains(SHA256.digest("actual")))
        #expect(fixture.temporaries().isEmpty)
    }

    @Test func storingAgainDoesNotReplaceTheObject() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let path = fixture.source("a", "same bytes")
        let digest = try cache.store(fileAt: path, expected: nil)
        let inode = FileStat.lstat(cache.objectPath(digest))!.inode
        #expect(try cache.store(fileAt: path, expected: nil) == digest)          // copied, then discarded
        #expect(try cache.store(fileAt: path, expected: digest) == digest)       // only hashed
        #expect(FileStat.lstat(cache.objectPath(digest))!.inode == inode)
        // A restored hard link stored back is recognised as the object itself.
        let restored = fixture.directory.file("restored")
        try cache.restore(digest, to: restored, mode: 0o444)
        #expect(try cache.store(fileAt: restored, expected: digest) == digest)
        #expect(try cache.statistics().objects == 1)
        #expect(fixture.temporaries().isEmpty)
    }

    @Test func initCreatesNothingAndReadsOfAMissingCacheAreEmpty() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        #expect(!cache.contains(SHA256.digest("x")))
        #expect(cache.action(for: SHA256.digest("k")) == nil)
        #expect(try cache.statistics() == (0, 0, 0))
        #expect(try cache.verify() == [])
        #expect(cache.recentHitRate() == (0, 0))
        #expect(!fileExists(fixture.root))
    }

    @Test func rootThatIsAFileMakesStoreFailCleanly() throws {
        let fixture = CacheFixture()
        writeFile(fixture.root, "not a directory")
        let cache = try fixture.store()
        let path = fixture.source("a", "content")
        #expect(throws: StoreError.io(operation: "create directory", path: fixture.root, errno: ENOTDIR)) {
            try cache.store(fileAt: path, expected: nil)
        }
        #expect(readText(fixture.root) == "not a directory")
        #expect(StoreError.io(operation: "create directory", path: "/c", errno: ENOTDIR).description
            == "cannot create directory /c: Not a directory")
    }

    @Test func tmpThatIsAFileMakesStoreFailCleanly() throws {
        let fixture = CacheFixture()
        mkdir(fixture.root, 0o755)
        writeFile(fixture.root + "/tmp", "in the way")
        let cache = try fixture.store()
        #expect(throws: StoreError.io(operation: "create directory", path: fixture.root + "/tmp", errno: ENOTDIR)) {
            try cache.store(fileAt: fixture.source("a", "content"), expected: nil)
        }
        #expect(try cache.statistics().objects == 0)
    }

    @Test func shardThatIsAFileLeavesNoTemporary() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = SHA256.digest("content")
        try cache.store(fileAt: fixture.source("other", "other"), expected: nil)   // creates the layout
        writeFile(fixture.root + "/objects/" + digest.hex.prefix(2), "in the way")
        #expect(throws: StoreError.io(operation: "create", path: cache.objectPath(digest), errno: ENOTDIR)) {
            try cache.store(fileAt: fixture.source("a", "content"), expected: nil)
        }
        #expect(fixture.temporaries().isEmpty)
    }

    @Test(.enabled(if: TmpfsMount.canMount, "mounting a tmpfs needs root"))
    func fullDiskFailsWithENOSPCAndLeavesNoObject() throws {
        let disk = try #require(TmpfsMount(size: "2m"))
        let fixture = CacheFixture()
        let big = fixture.directory.file("big")
        writeLargeFile(big, mebibytes: 4)
        let cache = try ContentStore(root: disk.path + "/cache")
        do {
            try cache.store(fileAt: big, expected: nil)
            Issue.record("storing 4 MiB on a 2 MiB file system succeeded")
        } catch {
            guard case .io(let operation, let path, let code) = error else { Issue.record("\(error)"); return }
            #expect(operation == "write")
            #expect(path.hasPrefix(disk.path + "/cache/tmp/object-"))
            #expect(code == ENOSPC)
            #expect(error.description.hasSuffix(": No space left on device"))
        }
        #expect(try cache.statistics().objects == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: disk.path + "/cache/tmp")) ?? ["?"]).isEmpty)
        // The space is back: a small object still fits.
        #expect(try cache.store(fileAt: fixture.source("small", "small"), expected: nil) == SHA256.digest("small"))
    }

    @Test(.enabled(if: TmpfsMount.canMount, "mounting a tmpfs needs root"))
    func restoreAcrossFileSystemsCopies() throws {
        let disk = try #require(TmpfsMount(size: "8m"))
        let fixture = CacheFixture()
        let cache = try ContentStore(root: disk.path + "/cache")
        let digest = try cache.store(fileAt: fixture.source("a", "across devices"), expected: nil)
        let out = fixture.directory.file("out/a")
        #expect(try cache.restore(digest, to: out, mode: 0o444) == .copy)
        #expect(readText(out) == "across devices")
        #expect(permissions(out) == 0o444)
        #expect(linkCount(cache.objectPath(digest)) == 1)
    }

    @Test func anotherCacheVersionIsNeitherReadNorWritten() throws {
        let fixture = CacheFixture()
        let first = try fixture.store()
        let digest = try first.store(fileAt: fixture.source("a", "a"), expected: nil)
        writeFile(fixture.root + "/VERSION", "tbmake cache v9\n")
        let cache = try fixture.store()
        #expect(!cache.contains(digest))
        #expect(throws: StoreError.unsupportedCache(path: fixture.root, found: "tbmake cache v9")) {
            try cache.store(fileAt: fixture.source("b", "b"), expected: nil)
        }
        #expect(throws: StoreError.unsupportedCache(path: fixture.root, found: "tbmake cache v9")) {
            try cache.statistics()
        }
        #expect(throws: StoreError.unsupportedCache(path: fixture.root, found: "tbmake cache v9")) {
            try cache.restore(digest, to: fixture.directory.file("x"), mode: 0o644)
        }
    }

    @Test func rootWithTrailingSlashIsTheSameCache() throws {
        let fixture = CacheFixture()
        let cache = try ContentStore(root: fixture.root + "//")
        #expect(cache.root == fixture.root)
        #expect(throws: StoreError.io(operation: "use cache directory", path: "", errno: EINVAL)) {
            try ContentStore(root: "")
        }
    }
}
