#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DigestCache {
    /// What the directory tree at `path` holds (a directory output), files hashed through
    /// this cache; symlinks are not followed. A file's mode is listed as the artifact
    /// cache keeps it (`ContentStore.objectMode`): making a file writable is no change. Throws `.io` when the tree cannot be listed
    /// or a file read, or when it holds something else than files, directories and
    /// symlinks (a FIFO, a socket, a device: `EINVAL`).
    public func listing(ofTree path: String) throws(StoreError) -> TreeListing {
        var entries: [TreeListing.Entry] = []
        for entry in try FileTree.entries(under: path) {
            let kind: TreeListing.Kind
            if entry.stat.isRegular {
                kind = .file(try digest(ofFile: path + "/" + entry.path, stat: entry.stat))
            } else if entry.stat.isDirectory {
                kind = .directory
            } else if let target = entry.linkTarget {
                kind = .symlink(target: target)
            } else {
                throw .io(operation: "hash", path: path + "/" + entry.path, errno: EINVAL)
            }
            // A file's bits as the cache keeps them (read-only, the executable bit kept), so
            // that a tree restored from the cache lists as the tree that was stored.
            // The setuid, setgid and sticky bits are kept (a root file system's sudo).
            let mode = entry.stat.isRegular ? ContentStore.objectMode(for: entry.stat.mode) | (entry.stat.mode & 0o7000)
                : entry.stat.isSymlink ? 0o777 : entry.stat.mode
            entries.append(TreeListing.Entry(path: entry.path, mode: mode, kind: kind))
        }
        return TreeListing(entries: entries)
    }

    /// The digest of the directory tree at `path`: that of its listing.
    public func digest(ofTree path: String) throws(StoreError) -> Digest {
        try listing(ofTree: path).digest
    }
}
