#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local file system as a `SnapshotSource`: paths are opened as given (a relative one
/// against the working directory), with `lstat`, `readdir`, `readlink` and
/// `open(O_NOFOLLOW)`.
public final class LocalSnapshotSource: SnapshotSource {
    public init() {}

    public func status(_ path: String) throws(SnapshotError) -> SourceStatus? {
        try DirectoryListing.lstat(path).map(SourceStatus.init)
    }

    public func entries(_ path: String) throws(SnapshotError) -> [(name: String, status: SourceStatus)] {
        var result: [(name: String, status: SourceStatus)] = []
        for name in try DirectoryListing.names(path) {
            guard let st = try DirectoryListing.lstat(path + "/" + name) else { continue }
            result.append((name, SourceStatus(st)))
        }
        return result
    }

    public func linkTarget(_ path: String) throws(SnapshotError) -> String {
        try DirectoryListing.readLink(path)
    }

    public func open(_ path: String, expectedSize: Int64) throws(SnapshotError) -> any SnapshotSourceFile {
        try OpenFile.open(path, O_RDONLY | O_NOFOLLOW)
    }

    public func describe(_ path: String) -> String { path }
}
