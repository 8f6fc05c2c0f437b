#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat(2)` / `lstat(2)` says about a file: the digest cache's key.
public struct FileStat: Equatable, Sendable {
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var mtimeNs: Int64
    /// Status-change time, nanoseconds since the epoch.
    public var ctimeNs: Int64
    public var inode: UInt64
    public var device: UInt64
    /// Full `st_mode`: file type and permission bits.
    public var mode: UInt32
    public var isRegular: Bool
    public var isDirectory: Bool
    public var isSymlink: Bool
    /// Number of hard links (`st_nlink`).
    public var linkCount: UInt64
    /// Owner and group (`st_uid`, `st_gid`).
    public var owner: UInt32
    public var group: UInt32

    public init(size: Int64, mtimeNs: Int64, ctimeNs: Int64, inode: UInt64, device: UInt64, mode: UInt32,
                linkCount: UInt64 = 1, owner: UInt32 = 0, group: UInt32 = 0) {
        self.linkCount = linkCount
        self.owner = owner
        self.group = group
        self.size = size
        self.mtimeNs = mtimeNs
        self.ctimeNs = ctimeNs
        self.inode = inode
        self.device = device
        self.mode = mode
        let type = mode & UInt32(S_IFMT)
        isRegular = type == UInt32(S_IFREG)
        isDirectory = type == UInt32(S_IFDIR)
        isSymlink = type == UInt32(S_IFLNK)
    }

    /// Follows symlinks; nil if the file (or a symlink's target) does not exist or
    /// cannot be reached.
    public static func stat(_ path: String) -> FileStat? {
        var st = Glibc.stat()
        guard statFollowing(path, &st) == 0 else { return nil }
        return FileStat(st)
    }

    /// Does not follow a final symlink; nil if nothing is at `path`.
    public static func lstat(_ path: String) -> FileStat? {
        var st = Glibc.stat()
        guard statNotFollowing(path, &st) == 0 else { return nil }
        return FileStat(st)
    }

    init(_ st: Glibc.stat) {
        self.init(
            size: Int64(st.st_size),
            mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
            ctimeNs: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
            inode: UInt64(st.st_ino),
            device: UInt64(st.st_dev),
            mode: UInt32(st.st_mode),
            linkCount: UInt64(st.st_nlink),
            owner: UInt32(st.st_uid),
            group: UInt32(st.st_gid)
        )
    }
}

// At file scope, where `stat` and `lstat` name the functions and not FileStat's methods.
private func statFollowing(_ path: String, _ st: inout Glibc.stat) -> Int32 { stat(FileName.cString(path), &st) }
private func statNotFollowing(_ path: String, _ st: inout Glibc.stat) -> Int32 { lstat(FileName.cString(path), &st) }

/// Wall-clock time (`CLOCK_REALTIME`) in nanoseconds since the epoch: the clock file
/// timestamps are taken from.
public func wallClockNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
