#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContentStore {
    /// One object file as found on disk.
    struct ObjectFile {
        var digest: Digest
        var path: String
        var size: Int64
        /// Last use (atime), ns since the epoch.
        var lastUseNs: Int64
    }

    /// Temporary files older than this are leftovers of a killed process (whatever the
    /// pid in their name says: it may be another pid namespace's); gc removes them.
    static let abandonedTemporaryAgeNs: Int64 = 3600 * 1_000_000_000

    /// Objects, their total size in bytes, and action entries. Zeros for a cache that was
    /// never written. Throws `.io` if a directory cannot be listed, or `unsupportedCache`.
    public func statistics() throws(StoreError) -> (objects: Int, bytes: Int64, actions: Int) {
        try checkReadable()
        let objects = try objectFiles()
        return (objects.count, objects.reduce(0) { $0 + $1.size }, try actionFiles().count)
    }

    /// The total size in bytes of the objects (a listing of objects alone).
    public func objectBytes() throws(StoreError) -> Int64 {
        try checkReadable()
        return try objectFiles().reduce(0) { $0 + $1.size }
    }

    /// Rehashes every object, removes those whose content does not match their name, and
    /// anything but a regular file under an object's name (a FIFO, socket, device,
    /// directory or symlink), and returns their digests, sorted by hex. Intact objects are
    /// recorded as verified, and keep their last-use time (reading them does not count as
    /// a use).
    public func verify() throws(StoreError) -> [Digest] {
        try checkReadable()
        var corrupt: [Digest] = []
        for object in try objectFiles(strays: { corrupt.append($0) }) {
            let opened: (file: FileDescriptor, stat: FileStat)?
            do { opened = try FileDescriptor.openRegular(object.path) } catch { continue }
            guard let (file, stat) = opened else {
                corrupt.append(object.digest)
                continue
            }
            let accessed = lastAccess(file)
            let actual = try rehash(file)
            if actual == object.digest, let after = try? file.stat(), ObjectStat(after) == ObjectStat(stat) {
                recordIntact(object.digest, stat)
                if let accessed { try? file.setTimes(access: accessed, modification: timespec(tv_sec: 0, tv_nsec: utimeOmit)) }
            } else {
                removeObject(at: object.path, inode: stat.inode)
                corrupt.append(object.digest)
            }
        }
        for digest in corrupt where FileStat.lstat(objectPath(digest))?.isRegular == false { _ = removeStray(digest) }
        forgetRecords(Set(corrupt))
        return corrupt.sorted { $0.hex < $1.hex }
    }

    /// Removes least-recently-used objects (oldest last use first; ties by digest) until
    /// their total size is at most `maxBytes`, never one in `keep`; then removes every
    /// action entry that names an object no longer in the store (or is malformed), and
    /// temporary files abandoned more than an hour ago. Returns what was removed and what
    /// is left. If the objects in `keep` alone exceed `maxBytes`, all others are removed
    /// and the total stays above it.
    @discardableResult
    public func collectGarbage(maxBytes: Int64, keep: Set<Digest>) throws(StoreError) -> GarbageCollection {
        try checkReadable()
        var objects = try objectFiles(strays: { _ = self.removeStray($0) })
        var total = objects.reduce(0) { $0 + $1.size }
        objects.sort { $0.lastUseNs != $1.lastUseNs ? $0.lastUseNs < $1.lastUseNs : $0.digest.hex < $1.digest.hex }
        var removed: Set<Digest> = []
        var freed: Int64 = 0
        for object in objects where total > maxBytes && !keep.contains(object.digest) {
            guard unlink(object.path) == 0 || errno == ENOENT else { throw .lastIO("remove", object.path) }
            removed.insert(object.digest)
            total -= object.size
            freed += object.size
        }
        forgetRecords(removed)

        let present = Set(objects.map(\.digest)).subtracting(removed)
        for (key, path) in try actionFiles() {
            guard let entry = action(for: key) else { continue }   // a malformed one is gone now
            if entry.outputs.contains(where: { !present.contains($0.digest) }) { _ = unlink(path) }
        }
        removeAbandonedTemporaries(includingOld: true)
        return GarbageCollection(removedObjects: removed.count, freedBytes: freed,
                                 objects: objects.count - removed.count, bytes: total)
    }

    // MARK: - Listing

    /// Every regular file in `objects/ab/` whose name is a digest starting with `ab`;
    /// `strays` is called with the digest of every other kind of file under such a name.
    func objectFiles(strays: ((Digest) -> Void)? = nil) throws(StoreError) -> [ObjectFile] {
        var result: [ObjectFile] = []
        for shard in try directoryNames(objectsDirectory) where shard.utf8.count == 2 {
            let shardPath = objectsDirectory + "/" + shard
            for name in try directoryNames(shardPath) {
                guard name.hasPrefix(shard), let digest = Digest(lowercaseHex: name) else { continue }
                let path = shardPath + "/" + name
                var st = Glibc.stat()
                guard lstat(path, &st) == 0 else { continue }
                guard st.st_mode & S_IFMT == S_IFREG else {
                    strays?(digest)
                    continue
                }
                let lastUse = Int64(st.st_atim.tv_sec) * 1_000_000_000 + Int64(st.st_atim.tv_nsec)
                result.append(ObjectFile(digest: digest, path: path, size: Int64(st.st_size), lastUseNs: lastUse))
            }
        }
        return result
    }

    /// Every action entry file, by key.
    func actionFiles() throws(StoreError) -> [(key: Digest, path: String)] {
        var result: [(key: Digest, path: String)] = []
        for shard in try directoryNames(actionsDirectory) where shard.utf8.count == 2 {
            let shardPath = actionsDirectory + "/" + shard
            for name in try directoryNames(shardPath) {
                guard name.hasPrefix(shard), let key = Digest(lowercaseHex: name) else { continue }
                result.append((key, shardPath + "/" + name))
            }
        }
        return result
    }

    private func lastAccess(_ file: FileDescriptor) -> timespec? {
        var st = Glibc.stat()
        guard fstat(file.rawValue, &st) == 0 else { return nil }
        return st.st_atim
    }

    /// Removes the files of `root/tmp` that no live process owns: those whose pid (in
    /// their name) is not alive on this machine and on which no process holds the
    /// writer's `flock`; with `includingOld`, also every file older than an hour.
    func removeAbandonedTemporaries(includingOld: Bool) {
        guard let names = try? directoryNames(temporaryDirectory) else { return }
        let cutoff = wallClockNs() - ContentStore.abandonedTemporaryAgeNs
        for name in names {
            let path = temporaryDirectory + "/" + name
            guard let stat = FileStat.lstat(path), stat.isRegular else { continue }
            // mtime only: a live writer moves it with every write; ctime cannot be set back by tests or tools.
            if includingOld, stat.mtimeNs < cutoff {
                _ = unlink(path)
                continue
            }
            guard let pid = TemporaryName.pid(in: name), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH,
                  let file = try? FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW),
                  flock(file.rawValue, LOCK_EX | LOCK_NB) == 0,
                  (try? file.stat())?.inode == FileStat.lstat(path)?.inode else { continue }
            _ = unlink(path)
        }
    }
}
