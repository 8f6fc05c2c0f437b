/// A file a target produced, as it was when the target finished.
public struct OutputRecord: Equatable, Sendable {
    /// Path relative to the project directory.
    public var path: String
    public var digest: Digest
    /// Full `st_mode` (type and permission bits).
    public var mode: UInt32

    public init(path: String, digest: Digest, mode: UInt32) {
        self.path = path
        self.digest = digest
        self.mode = mode
    }
}
