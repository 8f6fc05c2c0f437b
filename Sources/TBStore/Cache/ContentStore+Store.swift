#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContentStore {
    /// The mode of the object stored for a file of mode `mode`, and so the mode a restore
    /// must ask for to be a hard link: read-only (0555 with any executable bit, else
    /// 0444), and no more open to group and others than `mode` (0600 gives 0400).
    public static func objectMode(for mode: UInt32) -> UInt32 {
        (mode & 0o111 != 0 ? 0o555 : 0o444) & ~(~mode & 0o077)
    }

    /// Streams the regular file at `path` (following symlinks) into the store and returns
    /// its digest.
    ///
    /// The file is hashed while it is copied to `root/tmp/<pid>-<random>`, through one
    /// 1 MiB buffer; the copy is made read-only (0555 if `path` has any executable bit,
    /// else 0444), stamped (see the type's documentation), fsynced, and linked to its
    /// object name. If the object is already there and its stat is the one recorded when
    /// it was last verified, the copy is discarded; if it is there but cannot be vouched
    /// for, the fresh copy replaces it (`rename`).
    ///
    /// When `expected` is given and that object is present and trusted, the file is only
    /// hashed, not copied, and nothing is read at all if the file *is* the object (a hard
    /// link made by `restore`).
    ///
    /// Throws, leaving no new file in the cache:
    /// - `digestMismatch` if `expected` is given and the content differs;
    /// - `.io` if `path` cannot be read or is not a regular file, or the cache cannot be
    ///   written: root is not a directory, read-only file system, full disk (`ENOSPC`:
    ///   "cannot write …/tmp/…: No space left on device");
    /// - `unsupportedCache` if root holds another cache format.
    @discardableResult
    public func store(fileAt path: String, expected: Digest?) throws(StoreError) -> Digest {
        let source = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK)
        let sourceStat = try source.stat()
        guard sourceStat.isRegular else {
            throw .io(operation: "store", path: path, errno: sourceStat.isDirectory ? EISDIR : EINVAL)
        }
        let objectMode = ContentStore.objectMode(for: sourceStat.mode)
        try prepareForWriting()

        if let expected, let existing = FileStat.stat(objectPath(expected)), isTrusted(expected, existing) {
            if existing.inode == sourceStat.inode && existing.device == sourceStat.device {
                touch(objectPath(expected))
                return expected
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentStore.bufferSize, alignment: 4096)
            defer { buffer.deallocate() }
            let actual = try source.hash(through: buffer)
            guard actual == expected else { throw .digestMismatch(path: path, expected: expected, actual: actual) }
            touch(objectPath(expected))
            return expected
        }

        let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "object-")
        let copy = temporary.file!
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentStore.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        let digest = try copyHashing(from: source, to: copy, through: buffer)
        if let expected, digest != expected {
            throw .digestMismatch(path: path, expected: expected, actual: digest)
        }
        try copy.changeMode(objectMode)
        try copy.setTimes(access: timespec(tv_sec: 0, tv_nsec: utimeNow), modification: ContentStore.modificationStamp())
        try copy.sync()

        let hex = digest.hex
        let shard = try shardDirectory(objectsDirectory, hex)
        let objectPath = shard + "/" + hex
        if link(temporary.path, objectPath) != 0 {
            let code = errno
            if code == EEXIST, let existing = FileStat.stat(objectPath), isTrusted(digest, existing) {
                touch(objectPath)
                return digest      // the temporary copy is discarded with `temporary`
            }
            // Taken by something we cannot vouch for, or a file system without hard links:
            // put the verified copy in its place, atomically.
            guard code == EEXIST || code == EPERM || code == EOPNOTSUPP || code == EMLINK else {
                throw .io(operation: "create", path: objectPath, errno: code)
            }
            try FileSystem.rename(temporary.path, to: objectPath)
        }
        _ = unlink(temporary.path)
        // After the temporary name is gone: link and unlink change ctime, not the record's key.
        recordIntact(digest, try copy.stat())
        try FileSystem.syncDirectory(shard)
        return digest
    }

    /// Copies `source` to `destination` from their current offsets, hashing what passes.
    func copyHashing(from source: FileDescriptor, to destination: FileDescriptor,
                     through buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Digest {
        let hasher = SHA256Hasher()
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(chunk)
            try destination.write(chunk)
        }
        return hasher.finalize()
    }
}
