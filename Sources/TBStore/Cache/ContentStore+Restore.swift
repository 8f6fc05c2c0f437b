#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContentStore {
    /// Places object `digest` at `path` with permissions `mode & 0o777`, creating missing
    /// parent directories, and marks the object as just used.
    ///
    /// The object is first verified: trusted without reading if its stat matches the
    /// verification record, otherwise rehashed. A corrupt object is removed and
    /// `corruptObject` thrown; nothing is placed. Then it is placed by hard link, reflink
    /// or copy (see the type's documentation) under a temporary name in `path`'s
    /// directory and renamed over `path`: `path` is never seen half-written, and no
    /// temporary file is left behind on failure.
    ///
    /// Throws `missingObject` if there is no such object, `unsupportedCache`, or `.io` if
    /// the destination cannot be written (a directory at `path`, a full disk, ...).
    @discardableResult
    public func restore(_ digest: Digest, to path: String, mode: UInt32) throws(StoreError) -> RestoreMethod {
        try checkReadable()
        let objectPath = objectPath(digest)
        let object: FileDescriptor
        do {
            object = try FileDescriptor.open(objectPath, O_RDONLY)
        } catch .io(_, _, let code) where code == ENOENT || code == ENOTDIR {
            throw .missingObject(digest: digest, path: objectPath)
        }
        let stat = try object.stat()
        guard stat.isRegular else { throw .corruptObject(digest: digest, path: objectPath) }
        if !isTrusted(digest, stat) {
            let actual = try rehash(object)
            // A stat that moved while hashing means someone is writing the object.
            guard actual == digest, let after = try? object.stat(), ObjectStat(after) == ObjectStat(stat) else {
                removeObject(at: objectPath, inode: stat.inode)
                forgetRecords([digest])
                throw .corruptObject(digest: digest, path: objectPath)
            }
            recordIntact(digest, stat)
        }

        let permissions = mode & 0o777
        let directory = FileSystem.parentDirectory(path)
        try FileSystem.makeDirectories(directory)
        let baseName = path.split(separator: "/").last.map(String.init) ?? "out"
        let temporary = TemporaryName.reserve(in: directory, prefix: "." + baseName + ".tbmake-")
        var method: RestoreMethod?

        if stat.mode & 0o777 == permissions, FileStat.stat(directory)?.device == stat.device,
           link(objectPath, temporary.path) == 0 {
            // The name may have been given to another inode since it was verified (a
            // concurrent store replacing it, or gc): link only the inode that was checked.
            if FileStat.lstat(temporary.path)?.inode == stat.inode {
                method = .hardLink
            } else {
                _ = unlink(temporary.path)
            }
        }
        if method == nil {
            let copy = try temporary.createFile()
            if ioctl(copy.rawValue, ficlone, object.rawValue) == 0 {
                method = .reflink
            } else {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentStore.bufferSize, alignment: 4096)
                defer { buffer.deallocate() }
                guard lseek(object.rawValue, 0, SEEK_SET) == 0 else { throw .lastIO("seek", objectPath) }
                let copied = try copy.copy(from: object, through: buffer)
                guard copied == stat.size else {
                    removeObject(at: objectPath, inode: stat.inode)
                    forgetRecords([digest])
                    throw .corruptObject(digest: digest, path: objectPath)
                }
                method = .copy
            }
            try copy.changeMode(permissions)
        }
        try FileSystem.rename(temporary.path, to: path)
        touch(objectPath)
        return method!
    }
}
