import TBStore

/// The kinds of entry a snapshot holds. Hard links are stored as separate files.
public enum EntryType: String, Sendable, CaseIterable {
    case file
    case directory = "dir"
    case symlink
    case characterDevice = "char"
    case blockDevice = "block"
    case fifo

    var archiveFileType: UInt32 {
        switch self {
        case .file: return ArchiveFileType.regular
        case .directory: return ArchiveFileType.directory
        case .symlink: return ArchiveFileType.symlink
        case .characterDevice: return ArchiveFileType.character
        case .blockDevice: return ArchiveFileType.block
        case .fifo: return ArchiveFileType.fifo
        }
    }

    var isDevice: Bool { self == .characterDevice || self == .blockDevice || self == .fifo }
}

/// One line of a manifest: an entry of the archive, as it was on the source.
public struct ManifestEntry: Equatable, Sendable {
    /// Relative to the snapshot's source root, '/'-separated, no '.' or '..' components.
    public var path: String
    public var type: EntryType
    /// Permission bits including setuid, setgid and sticky (`mode & 0o7777`).
    public var mode: UInt32
    public var uid: Int64
    public var gid: Int64
    /// Content size for files, 0 for everything else.
    public var size: Int64
    /// SHA-256 of the content, for files only.
    public var digest: Digest?
    /// For symlinks, the target as stored; empty otherwise.
    public var linkTarget: String
    /// For character and block devices.
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32

    public init(path: String, type: EntryType, mode: UInt32, uid: Int64 = 0, gid: Int64 = 0,
                size: Int64 = 0, digest: Digest? = nil, linkTarget: String = "",
                deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0) {
        self.path = path
        self.type = type
        self.mode = mode & 0o7777
        self.uid = uid
        self.gid = gid
        self.size = size
        self.digest = digest
        self.linkTarget = linkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
    }
}
