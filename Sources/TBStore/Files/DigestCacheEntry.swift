/// One remembered file digest: the stat it was taken under, when, and the result.
public struct DigestCacheEntry: Equatable, Sendable {
    public var size: Int64
    public var mtimeNs: Int64
    public var ctimeNs: Int64
    public var inode: UInt64
    /// Wall clock (ns since the epoch) when hashing of the content began.
    public var hashedAtNs: Int64
    public var digest: Digest

    public init(size: Int64, mtimeNs: Int64, ctimeNs: Int64, inode: UInt64, hashedAtNs: Int64, digest: Digest) {
        self.size = size
        self.mtimeNs = mtimeNs
        self.ctimeNs = ctimeNs
        self.inode = inode
        self.hashedAtNs = hashedAtNs
        self.digest = digest
    }

    /// True if `stat` is the stat this entry was taken under.
    func matches(_ stat: FileStat) -> Bool {
        size == stat.size && mtimeNs == stat.mtimeNs && ctimeNs == stat.ctimeNs && inode == stat.inode
    }
}
