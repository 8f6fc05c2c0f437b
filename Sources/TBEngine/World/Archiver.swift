/// Packs and unpacks snapshots for `pack` and `unpack` steps. The engine knows nothing
/// of archive formats; the command line gives it one backed by libarchive. Called from
/// worker threads.
public protocol Archiver: AnyObject, Sendable {
    /// Writes a snapshot of `paths` (relative to `root`, minus `excludes`) as `archive`
    /// and `manifest` in the project. `root` and `paths` are read on `host`, the
    /// executor of the target's host (an archiver may read a remote host through it).
    /// `formatName` is the archive's final name: its extension (`.tar`, `.tar.gz`,
    /// `.tar.zst`) chooses the format.
    func pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String,
              formatName: String, on host: Executor) throws
    /// Extracts `archive` into `destination`, checking every entry against `manifest`;
    /// the extracted roots are moved into place only once all of it checked out, and a
    /// failed unpack leaves `destination` as it was.
    /// `destination` is on `host`; an archiver may refuse hosts it cannot write to.
    func unpack(archive: String, manifest: String, into destination: String, on host: Executor) throws
}
