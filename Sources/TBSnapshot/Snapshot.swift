/// Deterministic snapshots of directory trees as tar archives with a manifest, and their
/// safe import. See `Snapshot.export` and `Snapshot.importArchive`.
///
/// An archive is a pax (restricted) tar stream, plain, gzip or zstd, readable by GNU tar
/// and bsdtar. Next to it, a manifest lists every entry with its type, mode, owner, size,
/// SHA-256 and link target (`Manifest`).
///
/// What an export preserves: the tree's paths, entry types (files, directories, symlinks,
/// devices and FIFOs), permission bits including setuid/setgid/sticky and restrictive
/// modes (a 0600 key stays 0600), file content, symlink targets as written, and, with
/// `OwnerPolicy.preserve`, numeric uid/gid. What it normalises, so that exporting an
/// unchanged tree twice gives byte-identical archives: entry order (sorted by path
/// bytes), every mtime (`SnapshotSpec.mtime`: SOURCE_DATE_EPOCH or 0), owners (0:0 and
/// no names by default), no atime/ctime, no extended attributes or ACLs, no gzip
/// timestamp. Hard-linked files are stored as separate files; sockets are refused.
/// Names are bytes: a name that is not UTF-8 is archived, listed (`%XX` in the manifest)
/// and extracted as it is (`FileName`, `ArchiveLocale`), and errors show it `printable`.
///
/// Files are streamed through one 1 MiB buffer and hashed while they are read, so memory
/// does not grow with file size. The tree is read through a `SnapshotSource`: the local
/// file system by default, or another machine (the `tbmake` command reads ssh hosts over
/// SFTP); the archive and manifest are always written locally.
///
/// Extraction does not use `archive_write_disk`: its symlink checks walk the path with
/// chdir()/fchdir(), and relative entry paths resolve against the process's working
/// directory, neither safe in a multi-threaded tbmake. Import instead creates every entry
/// with `openat`/`mkdirat`/`symlinkat` relative to directory descriptors, with
/// `O_NOFOLLOW` on every component, which enforces what `ARCHIVE_EXTRACT_SECURE_NODOTDOT`,
/// `SECURE_SYMLINKS` and `SECURE_NOABSOLUTEPATHS` would, after its own checks have named
/// any offending entry.
public enum Snapshot {
    /// Size of the one buffer files are streamed through.
    static let bufferSize = 1 << 20
}
