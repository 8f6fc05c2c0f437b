#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a `SnapshotSource` reports of one path: the fields of `lstat(2)` a snapshot
/// records.
public struct SourceStatus: Equatable, Sendable {
    /// `st_mode`: the file type bits (`S_IFMT`) and the permission bits.
    public var mode: UInt32
    public var uid: Int64
    public var gid: Int64
    /// `st_size` (what a regular file holds; other types' sizes are not recorded).
    public var size: Int64
    /// A device's numbers; nil for other types, and for a device when the source cannot
    /// tell them (SFTP does not carry them), which export then refuses.
    public var deviceMajor: UInt32?
    public var deviceMinor: UInt32?

    public init(mode: UInt32, uid: Int64, gid: Int64, size: Int64, deviceMajor: UInt32? = nil, deviceMinor: UInt32? = nil) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
    }

    /// From a local `stat`.
    init(_ st: stat) {
        let type = st.st_mode & S_IFMT
        let isDevice = type == S_IFCHR || type == S_IFBLK
        self.init(mode: UInt32(st.st_mode), uid: Int64(st.st_uid), gid: Int64(st.st_gid), size: Int64(st.st_size),
                  deviceMajor: isDevice ? DeviceNumber.major(UInt64(st.st_rdev)) : nil,
                  deviceMinor: isDevice ? DeviceNumber.minor(UInt64(st.st_rdev)) : nil)
    }

    /// The `S_IFMT` bits.
    var type: UInt32 { mode & UInt32(S_IFMT) }
}
