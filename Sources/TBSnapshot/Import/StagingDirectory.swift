#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The import's temporary directory, `.tbmake-import.XXXXXX` inside the destination (so
/// moving its entries into place is a rename on one file system). Removed with all it
/// holds in deinit: what was extracted if the import failed, what was replaced if it
/// succeeded.
final class StagingDirectory {
    let name: String
    let dir: OpenFile
    private let parent: OpenFile

    init(in parent: OpenFile, path: String) throws(SnapshotError) {
        var template = Array((path + "/.tbmake-import.XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw .lastIO("create a temporary directory in", path)
        }
        let full = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        name = String(full.split(separator: "/").last!)
        self.parent = parent
        dir = try OpenFile.openAt(parent.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, name: full)
    }

    deinit { DirectoryListing.removeTree(parent: parent.fd, name: name) }
}
