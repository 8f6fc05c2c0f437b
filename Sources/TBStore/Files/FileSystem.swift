#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Path-level system calls of this module, each turning failure into `StoreError.io`.
enum FileSystem {
    /// `mkdir -p`: creates `path` and missing parents; succeeds if it is already a directory.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(StoreError) {
        if mkdir(path, mode) == 0 { return }
        switch errno {
        case EEXIST:
            if FileStat.stat(path)?.isDirectory == true { return }
            throw .io(operation: "create directory", path: path, errno: ENOTDIR)
        case ENOENT:
            let parent = parentDirectory(path)
            guard parent != path, !parent.isEmpty else { throw .lastIO("create directory", path) }
            try makeDirectories(parent, mode: mode)
            if mkdir(path, mode) == 0 || (errno == EEXIST && FileStat.stat(path)?.isDirectory == true) { return }
            throw .lastIO("create directory", path)
        default:
            throw .lastIO("create directory", path)
        }
    }

    /// `rename(2)`: atomically replaces `to`.
    static func rename(_ from: String, to: String) throws(StoreError) {
        if Glibc.rename(from, to) != 0 { throw .lastIO("rename", "\(from) to \(to)") }
    }

    /// fsyncs a directory, so that a rename in it survives a power cut.
    static func syncDirectory(_ path: String) throws(StoreError) {
        let directory = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// "a/b/c" → "a/b"; "c" → "."; "/c" → "/".
    static func parentDirectory(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }
}
