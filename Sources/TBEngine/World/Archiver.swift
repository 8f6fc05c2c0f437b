/// Packs and unpacks snapshots for `pack` and `unpack` steps. The engine knows nothing
/// of archive formats; the command line gives it one backed by libarchive. `pack` and
/// `unpack` are called from worker threads, `packedEntries` from the scheduler's.
public protocol Archiver: AnyObject, Sendable {
    /// Writes a snapshot of `paths` (relative to `root`, minus `excludes`) as `archive`
    /// and `manifest` in the project. `root` and `paths` are read on `host`, the
    /// executor of the target's host (an archiver may read a remote host through it).
    /// `formatName` is the archive's final name: its extension (`.tar`, `.tar.gz`,
    /// `.tar.zst`) chooses the format. Returns what it packed, in archive order, with
    /// the content digest of every regular file.
    @discardableResult
    func pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String,
              formatName: String, on host: Executor) throws -> [PackedEntry]
    /// What `pack` would archive now, in archive order and without content digests, when
    /// `host`'s files are this machine's (the implicit local host, a `local` sandbox);
    /// nil when they are not (an ssh host), so that the tree cannot be part of the key.
    /// Throws when the tree cannot be listed (a path missing).
    func packedEntries(root: String, paths: [String], excludes: [String], on host: Executor) throws -> [PackedEntry]?
    /// Extracts `archive` into `destination`, checking every entry against `manifest`;
    /// the extracted roots are moved into place only once all of it checked out, and a
    /// failed unpack leaves `destination` as it was.
    /// `destination` is on `host`; an archiver may refuse hosts it cannot write to.
    func unpack(archive: String, manifest: String, into destination: String, on host: Executor) throws
}
