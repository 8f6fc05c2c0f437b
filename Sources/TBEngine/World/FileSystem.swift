import TBStore

/// The engine's view of the project's files. Paths are relative to the project
/// directory (or absolute). The real one is `DiskFileSystem`; tests use an in-memory one.
public protocol FileSystem: AnyObject, Sendable {
    /// Follows symlinks; nil when the path does not exist. Until `forgetEarlyStats()`,
    /// it may answer with a stat taken when the run began.
    func stat(_ path: String) -> FileStat?
    /// Called before the first recipe starts or output is restored: from then on, any
    /// file may change, so every `stat` must look at the disk.
    func forgetEarlyStats()
    /// The content digest of a regular file; may use a stat-keyed cache. Safe to call
    /// from worker threads.
    func digest(ofFile path: String, stat: FileStat) throws -> Digest
    /// Whether `digest(ofFile:stat:)` would answer without reading the file (its stat-keyed
    /// cache knows it). The engine reads the others on a worker thread first.
    func knowsDigest(ofFile path: String, stat: FileStat) -> Bool
    /// The digest of a directory output: of every entry under it (path, type,
    /// permission bits, a file's content, a symlink's target), symlinks not followed.
    func digest(ofTree path: String) throws -> Digest
    /// Every regular file under `directory`, recursively, as paths starting with
    /// `directory/`, sorted. Skips tbmake's own `.tbmake` directory.
    func files(under directory: String) throws -> [String]
    /// The whole content of a small file (state files), or nil when missing.
    func read(_ path: String) -> [UInt8]?
    /// Puts `from` in place of `to`: a file atomically; a directory (a directory output)
    /// replaces a whole tree, so that `to` names all of the old tree or all of the new.
    func rename(_ from: String, to: String) throws
    /// Removes a file, or a directory with everything under it; nothing when missing.
    func removeFile(_ path: String)
    /// Creates `path` and its missing parents.
    func createDirectory(_ path: String) throws
}

extension FileSystem {
    /// By default every digest is known: a file system that reads nothing slowly.
    public func knowsDigest(ofFile path: String, stat: FileStat) -> Bool { true }
}
