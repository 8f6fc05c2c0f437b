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
    /// verification record, otherwise rehashed. It is rehashed too when `path` already is
    /// the object (a hard link restored earlier): a caller restores a file that is there
    /// only because it found it modified, and an edit through the link that put the
    /// object's mtime back would otherwise be restored again and again. A corrupt object,
    /// or anything but a regular file under its name, is removed and `corruptObject` (or
    /// `notAnObject`) thrown; nothing is placed. Then it is placed by reflink, hard link
    /// or copy (see the type's documentation) under a temporary name in `path`'s
    /// directory and renamed over `path`: `path` is never seen half-written, and no
    /// temporary file is left behind on failure. An object the cache cannot vouch for
    /// (`CacheTrust`) is only ever copied, and the copy is hashed as it is written.
    ///
    /// Throws `missingObject` if there is no such object, `unsupportedCache`, or `.io` if
    /// the destination cannot be written (a directory at `path`, a full disk, ...).
    @discardableResult
    public func restore(_ digest: Digest, to path: String, mode: UInt32) throws(StoreError) -> RestoreMethod {
        try checkReadable()
        let objectPath = objectPath(digest)
        let opened: (file: FileDescriptor, stat: FileStat)?
        do {
            opened = try FileDescriptor.openRegular(objectPath)
        } catch .io(_, _, let code) where code == ENOENT || code == ENOTDIR {
            throw .missingObject(digest: digest, path: objectPath)
        }
        guard let (object, stat) = opened else { throw removeStray(digest) }
        let vouched = objectIsTrusted(objectPath, stat)
        if vouched {
            let isDestination = FileStat.lstat(path).map { $0.inode == stat.inode && $0.device == stat.device } ?? false
            if isDestination || !isTrusted(digest, stat) {
                let actual = try rehash(object)
                // A stat that moved while hashing means someone is writing the object.
                guard actual == digest, let after = try? object.stat(), ObjectStat(after) == ObjectStat(stat) else {
                    throw discardCorrupt(digest, inode: stat.inode)
                }
                recordIntact(digest, stat)
            }
        }

        let permissions = mode & 0o777
        let directory = FileSystem.parentDirectory(path)
        try FileSystem.makeDirectories(directory)
        let baseName = path.split(separator: "/").last.map(String.init) ?? "out"
        let temporary = TemporaryName.reserve(in: directory, prefix: "." + baseName + ".tbmake-")
        let method = try place(object, stat, vouched: vouched, at: temporary, permissions: permissions, digest: digest)
        try FileSystem.rename(temporary.path, to: path)
        touch(objectPath)
        return method
    }

    /// Puts a reflink, a hard link or a copy of `object` at `temporary`.
    private func place(_ object: FileDescriptor, _ stat: FileStat, vouched: Bool, at temporary: TemporaryName,
                       permissions: UInt32, digest: Digest) throws(StoreError) -> RestoreMethod {
        if vouched {
            // A clone first: an edit of the restored file can never reach the object.
            let clone = try temporary.createFile()
            if ioctl(clone.rawValue, ficlone, object.rawValue) == 0 {
                try clone.changeMode(permissions)
                return .reflink
            }
            _ = unlink(temporary.path)
            if stat.mode & 0o777 == permissions, FileStat.stat(FileSystem.parentDirectory(temporary.path))?.device == stat.device,
               link(objectPath(digest), temporary.path) == 0 {
                // The name may have been given to another inode since it was verified (a
                // concurrent store replacing it, or gc): link only the inode that was checked.
                if FileStat.lstat(temporary.path)?.inode == stat.inode { return .hardLink }
                _ = unlink(temporary.path)
            }
        }
        let copy = try temporary.createFile()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentStore.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        guard lseek(object.rawValue, 0, SEEK_SET) == 0 else { throw .lastIO("seek", objectPath(digest)) }
        if vouched {
            guard try copy.copy(from: object, through: buffer) == stat.size else {
                throw discardCorrupt(digest, inode: stat.inode)
            }
        } else {
            countRehash()
            guard try copyHashing(from: object, to: copy, through: buffer) == digest else {
                throw discardCorrupt(digest, inode: stat.inode)
            }
        }
        try copy.changeMode(permissions)
        return .copy
    }

    /// Removes the corrupt object (if still that inode) and its record; the error to throw.
    private func discardCorrupt(_ digest: Digest, inode: UInt64) -> StoreError {
        removeObject(at: objectPath(digest), inode: inode)
        forgetRecords([digest])
        return .corruptObject(digest: digest, path: objectPath(digest))
    }
}
