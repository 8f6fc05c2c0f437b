/// What a snapshot archive holds, written next to it by `Snapshot.export` and checked
/// entry by entry by `Snapshot.importArchive` before anything is written.
///
/// The text form (see `Manifest+Format.swift`) is versioned; an unknown version is
/// refused, never guessed at.
public struct Manifest: Equatable, Sendable {
    /// The compression the archive was written with.
    public var format: SnapshotFormat
    /// The modification time every entry carries (seconds since the epoch).
    public var mtime: Int64
    /// Whether uid/gid are the source's (`.preserve`) or all 0 (`.normalize`).
    public var owners: OwnerPolicy
    /// The captured paths, relative: what import moves into the destination as a whole.
    /// Their ancestor directories are entries too, created on import only where missing.
    public var roots: [String]
    /// Every entry, sorted by path bytes, in archive order.
    public var entries: [ManifestEntry]

    public init(format: SnapshotFormat, mtime: Int64, owners: OwnerPolicy, roots: [String], entries: [ManifestEntry]) {
        self.format = format
        self.mtime = mtime
        self.owners = owners
        self.roots = roots
        self.entries = entries
    }

    /// The entry at `path`, if any.
    public func entry(_ path: String) -> ManifestEntry? {
        entries.first { $0.path == path }
    }
}
