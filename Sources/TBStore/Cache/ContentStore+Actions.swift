#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContentStore {
    /// Path of the action entry for `key`: `root/actions/ab/<key hex>`.
    public func actionPath(_ key: Digest) -> String {
        let hex = key.hex
        return actionsDirectory + "/" + hex.prefix(2) + "/" + hex
    }

    /// Writes the entry for `entry.key`, replacing any earlier one atomically (temporary
    /// file in `root/tmp`, fsync, rename). The engine records an entry only after every
    /// output it names was stored. Throws `.io` or `unsupportedCache`; on failure the old
    /// entry (if any) is intact.
    public func recordAction(_ entry: ActionEntry) throws(StoreError) {
        try prepareForWriting()
        let hex = entry.key.hex
        let shard = try shardDirectory(actionsDirectory, hex)
        let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "action-")
        // Readable by the other users of a shared cache; written only by replacing it.
        try temporary.file!.changeMode(0o644)
        try temporary.file!.write(entry.encoded())
        try temporary.file!.sync()
        try FileSystem.rename(temporary.path, to: shard + "/" + hex)
        try FileSystem.syncDirectory(shard)
    }

    /// The entry for `key`; nil when there is none, it cannot be read, it is of another
    /// version (left in place), it is malformed or not a regular file (removed: it would
    /// never be trusted), or someone the cache does not trust may have written it or a
    /// directory holding it (`CacheTrust`: left in place, with the one refusal warning).
    public func action(for key: Digest) -> ActionEntry? {
        guard (try? checkReadable()) != nil else { return nil }
        let path = actionPath(key)
        let opened: (file: FileDescriptor, stat: FileStat)?
        do { opened = try FileDescriptor.openRegular(path) } catch { return nil }
        guard let (file, stat) = opened else {
            removeEntry(path)
            return nil
        }
        if let problem = metadataProblem(path, stat, directories: [actionsDirectory, FileSystem.parentDirectory(path)]) {
            refuse(problem)
            return nil
        }
        guard let bytes = try? file.readToEnd() else { return nil }
        switch ActionEntry.decode(bytes, key: key) {
        case .entry(let entry):
            return entry
        case .unknownVersion:
            return nil
        case .malformed:
            _ = unlink(path)
            return nil
        }
    }
}
