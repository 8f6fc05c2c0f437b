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
    /// The content digest of a regular file; may use a stat-keyed cache.
    func digest(ofFile path: String, stat: FileStat) throws -> Digest
    /// Every regular file under `directory`, recursively, as paths starting with
    /// `directory/`, sorted. Skips tbmake's own `.tbmake` directory.
    func files(under directory: String) throws -> [String]
    /// The whole content of a small file (state files), or nil when missing.
    func read(_ path: String) -> [UInt8]?
    func rename(_ from: String, to: String) throws
    func removeFile(_ path: String)
    /// Creates `path` and its missing parents.
    func createDirectory(_ path: String) throws
}
