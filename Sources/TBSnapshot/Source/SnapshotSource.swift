/// Where `Snapshot.export` reads a tree from: the local file system
/// (`LocalSnapshotSource`, the default) or another machine, through an implementation the
/// caller provides (the `tbmake` command reads ssh hosts over SFTP this way). The walk,
/// the excludes, the order, the normalisation and the hashing are the export's own, so
/// the same tree gives byte-identical archives and manifests from any source.
///
/// Paths are the spec's root joined with a relative path by "/" (`/install/a.rpm`, or
/// `mn-root/install/a.rpm` for a relative root, which the source resolves as it sees
/// fit). Used from one thread at a time, during one export. Every failure is a
/// `SnapshotError` naming the path as `describe` spells it.
public protocol SnapshotSource: AnyObject {
    /// What `lstat(2)` says of `path` (a symlink is not followed); nil if nothing is there.
    func status(_ path: String) throws(SnapshotError) -> SourceStatus?

    /// The entries of the directory at `path`, not "." or "..", in any order, each with
    /// its `status` (entries that vanish while listed are left out). Names are bytes, as
    /// `FileName` strings: one that is not UTF-8 is archived as it is.
    func entries(_ path: String) throws(SnapshotError) -> [(name: String, status: SourceStatus)]

    /// The target of the symlink at `path`, as stored.
    func linkTarget(_ path: String) throws(SnapshotError) -> String

    /// Opens the regular file at `path` for reading from its start (not following a
    /// symlink); it is closed when the returned value is released. `expectedSize` is the
    /// size `status` or `entries` reported: the export reads until the end of the file and
    /// fails if it holds another number of bytes, so a source that pays per byte asked
    /// (a remote one) may ask for no more than what is left plus one byte, to see the end.
    func open(_ path: String, expectedSize: Int64) throws(SnapshotError) -> any SnapshotSourceFile

    /// `path` as messages show it, e.g. "mn:/etc/xcat/cfgloc" for a remote host.
    func describe(_ path: String) -> String
}
