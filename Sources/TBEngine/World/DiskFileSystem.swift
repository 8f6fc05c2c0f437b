import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// The project's files on disk, with content digests through a stat-keyed cache.
/// Paths are used as given: relative ones are relative to the current directory, which
/// the command line sets to the project directory.
public final class DiskFileSystem: FileSystem, @unchecked Sendable {
    public let digests: DigestCache
    /// Stats taken at the start of the run, each handed out once (see `prefetchStats`).
    private var prefetched: [String: FileStat]

    /// - Parameter prefetched: stats taken earlier in this run by `prefetchStats`.
    public init(digests: DigestCache, prefetched: [String: FileStat] = [:]) {
        self.digests = digests
        self.prefetched = prefetched
    }

    /// Stats `paths` (those the previous run knew: inputs and outputs), so that another
    /// thread can do it while the Targetfile is parsed. A missing path gets no entry.
    public static func prefetchStats<S: Sequence>(_ paths: S) -> [String: FileStat] where S.Element == String {
        var result: [String: FileStat] = [:]
        for path in paths {
            if let stat = FileStat.stat(path) { result[path] = stat }
        }
        return result
    }

    /// Uses a prefetched stat once — it describes the file as the run began, which is
    /// what a decision needs; later asks (after recipes ran) stat again.
    public func stat(_ path: String) -> FileStat? {
        if !prefetched.isEmpty, let stat = prefetched.removeValue(forKey: path) { return stat }
        return FileStat.stat(path)
    }

    public func forgetEarlyStats() {
        prefetched = [:]
    }

    public func digest(ofFile path: String, stat: FileStat) throws -> Digest {
        try digests.digest(ofFile: path, stat: stat)
    }

    public func files(under directory: String) throws -> [String] {
        var result: [String] = []
        try walk(directory, into: &result)
        return result.sorted()
    }

    private func walk(_ directory: String, into result: inout [String]) throws {
        guard let dir = opendir(FileName.cString(directory)) else {
            throw StoreError.io(operation: "list", path: directory, errno: errno)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            // Names are bytes (`FileName`): one that is not UTF-8 is an input like any other.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in FileName.string(raw.prefix { $0 != 0 }) }
            if name == "." || name == ".." || name == ".tbmake" { continue }
            let path = directory == "." ? name : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): try walk(path, into: &result)
            case Int32(DT_REG): result.append(path)
            default:
                // Symlinks and unknown types: follow to see what they are.
                if let s = FileStat.stat(path) {
                    if s.isDirectory { try walk(path, into: &result) } else if s.isRegular { result.append(path) }
                }
            }
        }
    }

    public func read(_ path: String) -> [UInt8]? { DiskFileSystem.readFile(path) }

    /// The whole content of the file at `path`, or nil when it cannot be read.
    public static func readFile(_ path: String) -> [UInt8]? { try? contents(of: path) }

    /// The whole content of the file at `path`; throws `.io` with the reason it cannot be
    /// read ("cannot read conf: Permission denied", "…: Is a directory").
    public static func contents(of path: String) throws(StoreError) -> [UInt8] {
        let fd = open(FileName.cString(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "read", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .io(operation: "read", path: path, errno: errno) }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }

    public func knowsDigest(ofFile path: String, stat: FileStat) -> Bool {
        digests.remembered(path, stat: stat) != nil
    }

    public func digest(ofTree path: String) throws -> Digest {
        try digests.digest(ofTree: path)
    }

    public func rename(_ from: String, to: String) throws {
        try FileTree.replace(to, with: from)
    }

    public func removeFile(_ path: String) {
        try? FileTree.remove(path)
    }

    public func createDirectory(_ path: String) throws {
        if path.isEmpty || FileStat.stat(path)?.isDirectory == true { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try createDirectory(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw StoreError.io(operation: "create directory", path: path, errno: errno)
        }
    }
}
