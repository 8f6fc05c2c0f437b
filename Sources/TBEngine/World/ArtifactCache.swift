import TBStore

/// The content-addressed artifact cache as the engine sees it: what a key produced
/// before, and the objects to restore it from. The real one is `ContentStore`, which
/// may be shared by several checkouts; tests use an in-memory one. Only called from the
/// scheduler's thread.
public protocol ArtifactCache: AnyObject {
    /// The outputs `key` produced before, if the cache knows them.
    func action(for key: Digest) -> ActionEntry?
    /// Places the object `digest` at `path` with permission bits `mode`, atomically.
    /// Throws — placing nothing — when the object is missing or corrupt.
    func restore(_ digest: Digest, to path: String, mode: UInt32) throws
    /// Stores the file at `path`, whose content digest is `digest`.
    func store(fileAt path: String, digest: Digest) throws
    /// Remembers what `entry.key` produced; called after its outputs were stored.
    func recordAction(_ entry: ActionEntry) throws
    /// Stores the directory output at `path`, whose tree digest is `digest`.
    func storeTree(at path: String, digest: Digest) throws
    /// Places the directory output `digest` at `path`, replacing the tree there whole.
    /// Throws — placing nothing — when it or anything in it is missing or corrupt.
    func restoreTree(_ digest: Digest, to path: String) throws
}

extension ContentStore: ArtifactCache {
    public func restore(_ digest: Digest, to path: String, mode: UInt32) throws {
        _ = try restore(digest, to: path, mode: mode) as RestoreMethod
    }

    public func store(fileAt path: String, digest: Digest) throws {
        _ = try store(fileAt: path, expected: digest) as Digest
    }

    public func storeTree(at path: String, digest: Digest) throws {
        try storeTree(at: path, expected: digest)
    }
}
