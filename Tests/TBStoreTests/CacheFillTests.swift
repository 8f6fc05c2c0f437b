import Foundation
import Testing
@testable import TBStore

/// `ContentStore.fillObject`: an object made from a stream (a remote cache's download)
/// only if what was written hashes to its name; a durable one is trusted at once, a
/// non-durable one is rehashed by its first restore.
@Suite struct CacheFillTests {
    private func fill(_ text: String) -> (Int32) throws -> Digest {
        { fd in
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
            return SHA256.digest(bytes)
        }
    }

    @Test func aDurableObjectIsTrustedAndRestoredWithoutRehashing() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = SHA256.digest("payload\n")
        try cache.fillObject(digest, mode: 0o444, from: fill("payload\n"))
        #expect(readText(cache.objectPath(digest)) == "payload\n")
        try cache.restore(digest, to: fixture.directory.file("out"), mode: 0o444)
        #expect(readText(fixture.directory.file("out")) == "payload\n")
        #expect(cache.rehashCount == 0)
        #expect(fixture.temporaries() == [])
    }

    @Test func aNonDurableObjectIsRehashedByItsFirstRestore() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = SHA256.digest("small\n")
        try cache.fillObject(digest, mode: 0o444, durable: false, from: fill("small\n"))
        try cache.restore(digest, to: fixture.directory.file("out"), mode: 0o444)
        #expect(cache.rehashCount == 1)
        try cache.restore(digest, to: fixture.directory.file("again"), mode: 0o444)
        #expect(cache.rehashCount == 1, "verified once, then trusted")
    }

    @Test func contentThatDoesNotMatchItsNameIsNeverStored() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = SHA256.digest("expected\n")
        #expect(throws: StoreError.self) { try cache.fillObject(digest, mode: 0o444, from: fill("evil\n")) }
        #expect(!fileExists(cache.objectPath(digest)))
        #expect(fixture.temporaries() == [])
    }
}
