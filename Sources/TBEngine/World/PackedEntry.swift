import TBStore

/// One entry of a tree a `pack` step archives, as the engine folds it into the target's
/// key: the packed tree of a local host is an input of its target (DESIGN §1, key).
/// An `Archiver` lists them before the run (without content digests, which the engine
/// takes from its stat-keyed digest cache) and reports them as packed after the run.
public struct PackedEntry: Equatable, Sendable {
    /// The path in the archive, relative to the pack's root (`etc/xcat/site.tab`).
    public var path: String
    /// What the archive records of the entry besides its content, in one line that both
    /// listings write alike: type, permission bits, link target, device numbers.
    public var attributes: String
    /// Where the entry is read on this machine (to hash a regular file's content).
    public var localPath: String
    /// A regular file's content digest: nil in a listing made before the run, and for
    /// entries that are not regular files.
    public var digest: Digest?
    public var isRegularFile: Bool

    public init(path: String, attributes: String, localPath: String, digest: Digest? = nil, isRegularFile: Bool) {
        self.path = path
        self.attributes = attributes
        self.localPath = localPath
        self.digest = digest
        self.isRegularFile = isRegularFile
    }
}
