/// Packs and unpacks snapshots for `pack` and `unpack` steps. The engine knows nothing
/// of archive formats; the command line gives it one backed by libarchive. Called from
/// worker threads.
public protocol Archiver: AnyObject, Sendable {
    /// Writes a snapshot of `paths` (relative to `root`, minus `excludes`) as `archive`
    /// and `manifest`. `formatName` is the archive's final name: its extension
    /// (`.tar`, `.tar.gz`, `.tar.zst`) chooses the format.
    func pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String,
              formatName: String) throws
    /// Verifies `archive` against `manifest`, then extracts it into `destination`;
    /// nothing is written when the verification fails.
    func unpack(archive: String, manifest: String, into destination: String) throws
}
