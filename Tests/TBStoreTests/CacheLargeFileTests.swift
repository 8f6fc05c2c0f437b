import Foundation
import Testing
@testable import TBStore

@Suite(.serialized) struct CacheLargeFileTests {
    @Test func sixtyFourMebibytesStreamThroughStoreAndRestore() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let source = fixture.directory.file("large.bin")
        writeLargeFile(source, mebibytes: 64)
        let expected = try #require(try sha256sum(source))

        let digest = try cache.store(fileAt: source, expected: nil)
        #expect(digest == expected)
        #expect(try cache.store(fileAt: source, expected: expected) == expected)

        let copied = fixture.directory.file("restored/copy.bin")
        #expect(try cache.restore(digest, to: copied, mode: 0o644) == .copy)
        #expect(try sha256sum(copied) == expected)
        #expect(FileStat.lstat(copied)!.size == 64 << 20)

        let linked = fixture.directory.file("restored/link.bin")
        #expect(try cache.restore(digest, to: linked, mode: 0o444) == .hardLink)
        #expect(try sha256sum(linked) == expected)
        #expect(cache.rehashCount == 0)
    }

    /// A 300 MiB file (sparse: no disk space needed to make it) is stored through the fixed
    /// buffer; the process's peak memory must not grow by anything like the file's size.
    @Test func threeHundredMebibyteSparseFile() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let source = fixture.directory.file("sparse.img")
        let fd = open(source, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(ftruncate(fd, 300 << 20) == 0)
        var marker = Array("not only zeros".utf8)
        #expect(pwrite(fd, &marker, marker.count, 123 << 20) == marker.count)
        close(fd)
        let expected = try #require(try sha256sum(source))

        let peakBefore = peakResidentBytes()
        let digest = try cache.store(fileAt: source, expected: nil)
        let growth = peakResidentBytes() - peakBefore
        #expect(digest == expected)
        #expect(growth < 100 << 20, "peak memory grew by \(growth >> 20) MiB while storing 300 MiB")
        print("CacheLargeFileTests: storing 300 MiB raised peak RSS by \(growth >> 20) MiB")

        let out = fixture.directory.file("out.img")
        #expect(try cache.restore(digest, to: out, mode: 0o444) == .hardLink)
        #expect(FileStat.lstat(out)!.size == 300 << 20)
    }
}
