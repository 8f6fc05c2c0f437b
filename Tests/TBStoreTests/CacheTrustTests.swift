import Foundation
import Testing
@testable import TBStore

/// A shared cache is a trust boundary (issue 10, item 11): action entries and
/// verification records that someone other than the cache's owner (or, in a setgid
/// cache, its group) can write, or that another user owns, are refused with one warning.
@Suite struct CacheTrustTests {
    private static let nobody: uid_t = 65534

    /// A cache holding one object and the action entry `key` → it.
    private func cacheWithAction(_ fixture: CacheFixture) throws -> (ContentStore, Digest, Digest) {
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a.o", "object"), expected: nil)
        let key = SHA256.digest("key")
        try cache.recordAction(ActionEntry(key: key, outputs: [OutputRecord(path: "a.o", digest: digest, mode: 0o100644)]))
        return (cache, digest, key)
    }

    private func warning(_ problem: String) -> String {
        "not trusting cache metadata that another user may have written: \(problem); "
            + "its action entries and verification records are ignored (see \"Sharing a cache\" in the README)"
    }

    @Test func actionEntriesAreReadableByOthersAndTrustedWhenTheOwnersAlone() throws {
        let fixture = CacheFixture()
        let (_, _, key) = try cacheWithAction(fixture)
        let fresh = try fixture.store()
        #expect(permissions(fresh.actionPath(key)) == 0o644)
        #expect(fresh.action(for: key) != nil)
        #expect(fresh.refusalWarning == nil)
    }

    @Test func worldWritableActionEntryIsRefusedWithOneWarning() throws {
        let fixture = CacheFixture()
        let (_, _, key) = try cacheWithAction(fixture)
        let path = try fixture.store().actionPath(key)
        #expect(chmod(path, 0o666) == 0)

        let fresh = try fixture.store()
        let warnings = WarningBox()
        fresh.onWarning { warnings.append($0) }
        #expect(fresh.action(for: key) == nil)
        #expect(fresh.action(for: key) == nil)
        #expect(warnings.all == [warning("\(path) is writable by every user (mode 666)")])
        #expect(fileExists(path), "left in place")
    }

    @Test func actionEntryOwnedByAnotherUserIsRefused() throws {
        let fixture = CacheFixture()
        let (_, _, key) = try cacheWithAction(fixture)
        let path = try fixture.store().actionPath(key)
        #expect(chown(path, CacheTrustTests.nobody, getgid()) == 0)
        let fresh = try fixture.store()
        #expect(fresh.action(for: key) == nil)
        #expect(fresh.refusalWarning == warning("\(path) is owned by uid 65534, not by the cache's owner (uid \(geteuid()))"))
    }

    @Test func groupWritableShardIsRefusedUnlessTheCacheIsSetgid() throws {
        let fixture = CacheFixture()
        let (_, _, key) = try cacheWithAction(fixture)
        let shard = FileSystem.parentDirectory(try fixture.store().actionPath(key))
        #expect(chmod(shard, 0o775) == 0)
        let refused = try fixture.store()
        #expect(refused.action(for: key) == nil)
        #expect(refused.refusalWarning == warning(
            "\(shard) is writable by group \(getgid()) (mode 775), and the cache directory is not setgid to that group"))

        // The cache's group shares it: group-writable, and owned by any member.
        #expect(chmod(fixture.root, 0o2775) == 0)
        #expect(chown(try fixture.store().actionPath(key), CacheTrustTests.nobody, getgid()) == 0)
        let shared = try fixture.store()
        #expect(shared.action(for: key) != nil)
        #expect(shared.refusalWarning == nil)
    }

    @Test func aWorldWritableCacheDirectoryRefusesEverything() throws {
        let fixture = CacheFixture()
        let (_, digest, key) = try cacheWithAction(fixture)
        #expect(chmod(fixture.root, 0o777) == 0)
        let fresh = try fixture.store()
        #expect(fresh.action(for: key) == nil)
        #expect(fresh.refusalWarning == warning("\(fixture.root) is writable by every user (mode 777)"))
        // Objects are self-verifying: restored, but rehashed and copied, never linked.
        #expect(try fresh.restore(digest, to: fixture.directory.file("out"), mode: 0o444) == .copy)
        #expect(readText(fixture.directory.file("out")) == "object")
        #expect(fresh.rehashCount == 1)
    }

    @Test func aDirectoryAboveWritableByOthersWithoutStickyBitRefusesEverything() throws {
        let fixture = CacheFixture()
        let (_, _, key) = try cacheWithAction(fixture)
        #expect(chmod(fixture.directory.path, 0o777) == 0)
        #expect(try fixture.store().action(for: key) == nil)
        #expect(chmod(fixture.directory.path, 0o1777) == 0)
        #expect(try fixture.store().action(for: key) != nil, "sticky, as /tmp")
    }

    /// A forged line in objects.verified would make a corrupted object trusted: a record
    /// file another user can write is not read, and objects are rehashed before use.
    @Test func forgedVerificationRecordIsRefused() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "original"), expected: nil)
        let object = cache.objectPath(digest)
        flipByte(object, at: 0)
        chmod(object, 0o444)
        let st = try #require(FileStat.lstat(object))
        let records = fixture.root + "/objects.verified"
        writeFile(records, "tbmake verified v1\n\(digest.hex) \(st.inode) \(st.size) \(st.mtimeNs)\n")
        #expect(chown(records, CacheTrustTests.nobody, getgid()) == 0)

        let fresh = try fixture.store()
        #expect(throws: StoreError.corruptObject(digest: digest, path: object)) {
            try fresh.restore(digest, to: fixture.directory.file("out"), mode: 0o444)
        }
        #expect(fresh.refusalWarning == warning("\(records) is owned by uid 65534, not by the cache's owner (uid \(geteuid()))"))
        #expect(readText(records).contains(digest.hex), "not rewritten")
    }

    /// An object owned by a user the cache does not trust is never vouched for by its
    /// record, nor hard-linked: the copy is hashed as it is written.
    @Test func objectOfAnotherUserIsCopiedAndHashed() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("a", "theirs"), expected: nil)
        #expect(chown(cache.objectPath(digest), CacheTrustTests.nobody, getgid()) == 0)
        let fresh = try fixture.store()
        #expect(try fresh.restore(digest, to: fixture.directory.file("out"), mode: 0o444) == .copy)
        #expect(fresh.rehashCount == 1)
        #expect(readText(fixture.directory.file("out")) == "theirs")
        #expect(fresh.refusalWarning == nil, "objects are not metadata")
    }
}

final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
