import Foundation
import Testing
@testable import TBStore

@Suite struct DigestCacheTests {
    @Test func secondLookupDoesNotRehash() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "int main;\n")
        waitPastRacyMargin()
        let cache = DigestCache()
        #expect(try cache.digest(ofFile: path) == SHA256.digest("int main;\n"))
        #expect(try cache.digest(ofFile: path) == SHA256.digest("int main;\n"))
        #expect(try cache.digest(ofFile: path, stat: FileStat.stat(path)!) == SHA256.digest("int main;\n"))
        #expect(cache.hashCount == 1)
    }

    @Test func entriesFromAPreviousRunAreTrusted() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "x")
        waitPastRacyMargin()
        let first = DigestCache()
        _ = try first.digest(ofFile: path)
        let changed = first.takeChangedEntries()
        #expect(changed.map(\.path) == [path])
        #expect(first.takeChangedEntries().isEmpty)

        let second = DigestCache(entries: [path: changed[0].entry])
        #expect(try second.digest(ofFile: path) == SHA256.digest("x"))
        #expect(second.hashCount == 0)
        #expect(second.takeChangedEntries().isEmpty)
    }

    @Test func touchWithoutContentChangeGivesSameDigest() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "same")
        waitPastRacyMargin()
        let cache = DigestCache()
        let before = try cache.digest(ofFile: path)
        let statBefore = FileStat.stat(path)!

        // touch -d '10 seconds ago': mtime and ctime both change, content does not
        var times = [timespec(tv_sec: time(nil) - 10, tv_nsec: 0), timespec(tv_sec: time(nil) - 10, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(FileStat.stat(path)!.mtimeNs != statBefore.mtimeNs)

        #expect(try cache.digest(ofFile: path) == before)
        #expect(cache.hashCount == 2)
        #expect(cache.takeChangedEntries().map(\.entry.mtimeNs) == [FileStat.stat(path)!.mtimeNs])
    }

    @Test func contentChangeIsDetected() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "one")
        waitPastRacyMargin()
        let cache = DigestCache()
        #expect(try cache.digest(ofFile: path) == SHA256.digest("one"))
        writeFile(path, "three")
        #expect(try cache.digest(ofFile: path) == SHA256.digest("three"))
        #expect(cache.hashCount == 2)
    }

    /// A file rewritten with the same size within the same timestamp tick keeps its stat;
    /// the cache must not trust an entry hashed that close to the file's timestamps.
    @Test func racilyCleanFileIsRehashed() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "aaaa")
        let stat = FileStat.stat(path)!
        let cache = DigestCache()
        #expect(try cache.digest(ofFile: path, stat: stat) == SHA256.digest("aaaa"))
        writeFile(path, "bbbb")
        // Present the very stat the entry was recorded under: only the racy guard can tell.
        #expect(try cache.digest(ofFile: path, stat: stat) == SHA256.digest("bbbb"))
        #expect(cache.hashCount == 2)
        // And through a fresh stat, as a real run would.
        writeFile(path, "cccc")
        #expect(try cache.digest(ofFile: path) == SHA256.digest("cccc"))
        #expect(cache.hashCount == 3)
    }

    @Test func racilyCleanEntryBecomesTrustedOnceOld() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.c")
        writeFile(path, "aaaa")
        let cache = DigestCache()
        _ = try cache.digest(ofFile: path)
        waitPastRacyMargin()
        _ = try cache.digest(ofFile: path)      // rehashed: the first entry was racy
        _ = try cache.digest(ofFile: path)      // trusted now
        #expect(cache.hashCount == 2)
    }

    @Test func followsSymlinksAndRejectsNonFiles() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("target"), "content")
        #expect(symlink("target", directory.file("link")) == 0)
        let cache = DigestCache()
        #expect(try cache.digest(ofFile: directory.file("link")) == SHA256.digest("content"))
        #expect(throws: StoreError.io(operation: "stat", path: directory.file("missing"), errno: ENOENT)) {
            try cache.digest(ofFile: directory.file("missing"))
        }
        #expect(throws: StoreError.io(operation: "hash", path: directory.path, errno: EISDIR)) {
            try cache.digest(ofFile: directory.path)
        }
    }

    @Test func concurrentLookupsAgree() async throws {
        let directory = TemporaryDirectory()
        let paths = (0..<64).map { directory.file("f\($0)") }
        for (i, path) in paths.enumerated() { writeFile(path, "file \(i)") }
        let cache = DigestCache()
        let results = try await withThrowingTaskGroup(of: (Int, Digest).self) { group in
            for _ in 0..<4 {
                for (i, path) in paths.enumerated() {
                    group.addTask { (i, try cache.digest(ofFile: path)) }
                }
            }
            var all: [(Int, Digest)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 256)
        #expect(results.allSatisfy { $0.1 == SHA256.digest("file \($0.0)") })
        #expect(cache.takeChangedEntries().map(\.path) == paths.sorted())
    }

    @Test func fileStatReportsTypes() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("f"), "12345")
        #expect(symlink("f", directory.file("l")) == 0)
        let file = FileStat.stat(directory.file("f"))!
        #expect(file.size == 5 && file.isRegular && !file.isDirectory && !file.isSymlink)
        #expect(file.mode & 0o170000 == 0o100000)
        #expect(FileStat.lstat(directory.file("l"))!.isSymlink)
        #expect(FileStat.stat(directory.file("l")) == file)
        #expect(FileStat.stat(directory.path)!.isDirectory)
        #expect(FileStat.stat(directory.file("missing")) == nil)
        #expect(FileStat.lstat(directory.file("missing")) == nil)
    }
}
