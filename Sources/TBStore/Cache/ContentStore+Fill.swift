#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContentStore {
    /// Makes object `digest` from content that arrives as a stream (a download): `fill`
    /// writes the content to the descriptor it is given — a new file in `root/tmp` — and
    /// returns the digest of what it wrote, hashed as it went. Only if that digest is
    /// `digest` does the file become the object (mode `objectMode`, stamped, fsynced,
    /// linked to its name); otherwise `digestMismatch` is thrown. Either way, and when
    /// `fill` throws (its error is passed on), no temporary file is left behind.
    /// Memory use does not depend on the content's size: `fill` owns the buffering.
    ///
    /// With `durable` false (small objects, where two fsyncs cost more than the
    /// transfer), the object is neither fsynced nor recorded as verified: the next
    /// restore rehashes it, so that one cut short by a crash is found and removed.
    public func fillObject(_ digest: Digest, mode objectMode: UInt32, durable: Bool = true,
                           from fill: (_ fd: Int32) throws -> Digest) throws {
        try prepareForWriting()
        let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "fill-")
        let file = temporary.file!
        let actual = try fill(file.rawValue)
        guard actual == digest else {
            throw StoreError.digestMismatch(path: temporary.path, expected: digest, actual: actual)
        }
        try file.changeMode(objectMode & 0o555)
        try file.setTimes(access: timespec(tv_sec: 0, tv_nsec: utimeNow), modification: ContentStore.modificationStamp())
        if durable { try file.sync() }
        let hex = digest.hex
        let shard = try shardDirectory(objectsDirectory, hex)
        try FileSystem.rename(temporary.path, to: shard + "/" + hex)
        guard durable else { return }
        recordIntact(digest, try file.stat())
        try FileSystem.syncDirectory(shard)
    }
}
