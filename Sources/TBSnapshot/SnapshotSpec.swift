#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The compression of a snapshot archive. All are pax tar streams that GNU tar and
/// bsdtar read (`tar -xf`, `tar -xzf`, `tar --zstd -xf`).
public enum SnapshotFormat: String, Sendable, CaseIterable {
    case tar
    case tarGz = "tar.gz"
    case tarZstd = "tar.zst"

    /// The usual file name extension, without the dot.
    public var fileExtension: String { rawValue }
}

/// What becomes of file owners in the archive.
public enum OwnerPolicy: String, Sendable {
    /// Every entry is owned by 0:0 with no user or group names (the default), so the
    /// archive does not depend on the accounts of the machine it was made on.
    case normalize
    /// Numeric uid and gid as on the source (no names); ids over 2097151 get pax headers.
    case preserve
}

/// What to capture from a directory tree: on the local file system, or wherever the
/// `SnapshotSource` given to `Snapshot.export` reads (an ssh host, over SFTP).
public struct SnapshotSpec: Sendable {
    /// The directory the paths are relative to, e.g. "/" for a management node; a path
    /// as the source understands it.
    public var root: String
    /// Paths under `root` to capture, relative ("install", "etc/xcat"); directories are
    /// captured recursively. Not ".", not absolute, no ".." components. A path inside
    /// another one is captured once.
    public var paths: [String]
    /// Patterns matched against each path relative to `root`; a match is left out, and
    /// so is everything under a matching directory. See `ExcludePattern`.
    public var excludes: [ExcludePattern]
    public var format: SnapshotFormat
    public var owners: OwnerPolicy
    /// The modification time written for every entry, in seconds since the epoch.
    public var mtime: Int64

    /// `mtime` defaults to `SOURCE_DATE_EPOCH` when that is set to an integer, 0 otherwise.
    public init(root: String, paths: [String], excludes: [String] = [], format: SnapshotFormat = .tarGz,
                owners: OwnerPolicy = .normalize, mtime: Int64? = nil) {
        self.root = root
        self.paths = paths
        self.excludes = excludes.map(ExcludePattern.init)
        self.format = format
        self.owners = owners
        self.mtime = mtime ?? SnapshotSpec.defaultMtime()
    }

    /// `SOURCE_DATE_EPOCH` if set to an integer, else 0.
    public static func defaultMtime() -> Int64 {
        guard let value = getenv("SOURCE_DATE_EPOCH"), let epoch = Int64(String(cString: value)) else { return 0 }
        return epoch
    }

    /// Whether `path` (relative to root) is excluded.
    func isExcluded(_ path: String) -> Bool {
        excludes.contains { $0.matches(path) }
    }
}
