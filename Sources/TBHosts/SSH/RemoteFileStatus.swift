import CSSH2

/// What the SFTP server says of a path on an ssh host (lstat: a symlink is not followed).
/// SFTP (version 3) carries no device numbers and no nanoseconds.
public struct RemoteFileStatus: Equatable, Sendable {
    /// `st_mode`: the file type bits and the permission bits.
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: UInt64

    public init(mode: UInt32, uid: UInt32, gid: UInt32, size: UInt64) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
    }

    /// nil unless the server sent the permissions, owner and size.
    init?(_ attributes: LIBSSH2_SFTP_ATTRIBUTES) {
        let needed = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS | LIBSSH2_SFTP_ATTR_UIDGID | LIBSSH2_SFTP_ATTR_SIZE)
        guard attributes.flags & needed == needed else { return nil }
        self.init(mode: UInt32(truncatingIfNeeded: attributes.permissions), uid: UInt32(truncatingIfNeeded: attributes.uid),
                  gid: UInt32(truncatingIfNeeded: attributes.gid), size: attributes.filesize)
    }
}
