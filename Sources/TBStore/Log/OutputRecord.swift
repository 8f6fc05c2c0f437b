#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file (or a directory output) a target produced, as it was when the target finished.
public struct OutputRecord: Equatable, Sendable {
    /// Path relative to the project directory.
    public var path: String
    /// A file's content digest, or a directory's tree digest (`DigestCache.digest(ofTree:)`).
    public var digest: Digest
    /// Full `st_mode` (type and permission bits).
    public var mode: UInt32

    public init(path: String, digest: Digest, mode: UInt32) {
        self.path = path
        self.digest = digest
        self.mode = mode
    }

    /// A directory output rather than a file.
    public var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
}
