import Foundation
import TBEngine
import TBStore

/// A project directory in memory: files as path → bytes and permission bits, directories
/// implied by the files under them (or created explicitly). Every write gets a new fake
/// mtime and ctime from a counter, so "rewritten with the same bytes" is observable as a
/// stat change; no wall clock is involved. Safe to use from several threads.
public final class InMemoryFileSystem: FileSystem, @unchecked Sendable {
    public struct File: Equatable, Sendable {
        public var bytes: [UInt8]
        /// Permission bits only (`0o644`); `stat` adds the file type.
        public var permissions: UInt32
        public var mtimeNs: Int64
        public var ctimeNs: Int64
        public var inode: UInt64

        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private let lock = NSLock()
    private var files: [String: File] = [:]
    private var directories: Set<String> = []
    private var clock: Int64 = 0
    private var nextInode: UInt64 = 1
    private var digestCalls: [String] = []
    private var digestCache: [String: (stat: FileStat, digest: Digest)] = [:]
    /// When true, `digest(ofFile:stat:)` behaves like `DiskFileSystem`'s `DigestCache`:
    /// the stat it is given is trusted as the key, so a digest computed for that stat
    /// is returned again even if the file has changed since (a stale stat gives a stale
    /// digest). When false (the default), the current bytes are always hashed.
    public let cachesDigestsByStat: Bool

    public init(_ initial: [String: String] = [:], cachesDigestsByStat: Bool = false) {
        self.cachesDigestsByStat = cachesDigestsByStat
        for (path, text) in initial.sorted(by: { $0.key < $1.key }) { write(path, text) }
    }

    // MARK: - Test helpers

    /// Writes (creating or replacing in place, keeping the inode) `text`.
    public func write(_ path: String, _ text: String, permissions: UInt32 = 0o644) {
        write(path, bytes: Array(text.utf8), permissions: permissions)
    }

    public func write(_ path: String, bytes: [UInt8], permissions: UInt32 = 0o644) {
        let path = Self.normalize(path)
        locked {
            let time = tick()
            let inode = files[path]?.inode ?? allocateInode()
            files[path] = File(bytes: bytes, permissions: permissions, mtimeNs: time, ctimeNs: time, inode: inode)
        }
    }

    /// Rewrites a file with the bytes it already has: its stat changes, its content does not.
    public func touch(_ path: String) {
        guard let file = file(path) else { return }
        write(path, bytes: file.bytes, permissions: file.permissions)
    }

    public func file(_ path: String) -> File? {
        let path = Self.normalize(path)
        return locked { files[path] }
    }

    /// The file's content as UTF-8 text, nil when missing.
    public func contents(_ path: String) -> String? { file(path)?.text }

    public func exists(_ path: String) -> Bool { stat(path) != nil }

    /// Every file, path → text.
    public var snapshot: [String: String] {
        locked { files.mapValues(\.text) }
    }

    /// Every file path, sorted.
    public var allPaths: [String] {
        locked { files.keys.sorted() }
    }

    /// Paths passed to `digest(ofFile:stat:)`, in call order.
    public var digestedPaths: [String] { locked { digestCalls } }
    public var digestCount: Int { locked { digestCalls.count } }

    /// Directories passed to `files(under:)`, in call order.
    public var listedDirectories: [String] { locked { listCalls } }
    private var listCalls: [String] = []

    /// How many times the engine said early stats must be forgotten.
    public var forgetEarlyStatsCount: Int { locked { forgetCalls } }
    private var forgetCalls = 0

    // MARK: - FileSystem

    public func forgetEarlyStats() {
        locked { forgetCalls += 1 }
    }

    public func stat(_ path: String) -> FileStat? {
        let path = Self.normalize(path)
        return locked {
            if let file = files[path] {
                return FileStat(size: Int64(file.bytes.count), mtimeNs: file.mtimeNs, ctimeNs: file.ctimeNs,
                                inode: file.inode, device: 1, mode: UInt32(S_IFREG) | file.permissions)
            }
            if isDirectoryLocked(path) {
                return FileStat(size: 4096, mtimeNs: 0, ctimeNs: 0, inode: 0, device: 1, mode: UInt32(S_IFDIR) | 0o755)
            }
            return nil
        }
    }

    public func digest(ofFile path: String, stat: FileStat) throws -> Digest {
        let path = Self.normalize(path)
        let (bytes, cached): ([UInt8]?, Digest?) = locked {
            digestCalls.append(path)
            if cachesDigestsByStat, let entry = digestCache[path], entry.stat == stat { return (nil, entry.digest) }
            return (files[path]?.bytes, nil)
        }
        if let cached { return cached }
        guard let bytes else { throw StoreError.io(operation: "open", path: path, errno: ENOENT) }
        let digest = SHA256.digest(bytes)
        if cachesDigestsByStat { locked { digestCache[path] = (stat, digest) } }
        return digest
    }

    public func digest(ofTree path: String) throws -> Digest {
        let hasher = SHA256Hasher()
        hasher.updateField("tree")
        for file in try files(under: path) {
            guard let content = self.file(file) else { continue }
            hasher.updateField(String(file.dropFirst(Self.normalize(path).count + 1)))
            hasher.updateField(String(content.permissions, radix: 8))
            hasher.update(SHA256.digest(content.bytes))
        }
        return hasher.finalize()
    }

    public func files(under directory: String) throws -> [String] {
        let directory = Self.normalize(directory)
        return try locked {
            listCalls.append(directory)
            if directory.isEmpty {
                return files.keys.filter { !$0.hasPrefix("/") && !$0.split(separator: "/").contains(".tbmake") }.sorted()
            }
            guard isDirectoryLocked(directory) else {
                throw StoreError.io(operation: "list", path: directory, errno: ENOENT)
            }
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            return files.keys.filter {
                $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).split(separator: "/").contains(".tbmake")
            }.sorted()
        }
    }

    public func read(_ path: String) -> [UInt8]? { file(path)?.bytes }

    public func rename(_ from: String, to: String) throws {
        let from = Self.normalize(from), to = Self.normalize(to)
        try locked {
            guard var file = files.removeValue(forKey: from) else {
                throw StoreError.io(operation: "rename \(from) to", path: to, errno: ENOENT)
            }
            file.ctimeNs = tick()
            files[to] = file
        }
    }

    public func removeFile(_ path: String) {
        let path = Self.normalize(path)
        if locked({ files.removeValue(forKey: path) == nil && isDirectoryLocked(path) }) { removeTree(path) }
    }

    /// Removes every file under `directory` (and the explicit directories there).
    public func removeTree(_ directory: String) {
        let directory = Self.normalize(directory)
        locked {
            let prefix = directory + "/"
            for path in files.keys where path == directory || path.hasPrefix(prefix) { files.removeValue(forKey: path) }
            directories = directories.filter { $0 != directory && !$0.hasPrefix(prefix) }
        }
    }

    public func createDirectory(_ path: String) throws {
        let path = Self.normalize(path)
        if path.isEmpty { return }
        try locked {
            if files[path] != nil { throw StoreError.io(operation: "create directory", path: path, errno: EEXIST) }
            var current = path
            while !current.isEmpty && current != "/" {
                directories.insert(current)
                guard let slash = current.lastIndex(of: "/") else { break }
                current = String(current[..<slash])
            }
        }
    }

    // MARK: - Internals

    /// `./a//b/` → `a/b`; `.` → ``; absolute paths keep their leading `/`.
    public static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }

    private func isDirectoryLocked(_ path: String) -> Bool {
        if path.isEmpty || path == "/" { return true }
        if directories.contains(path) { return true }
        let prefix = path + "/"
        return files.keys.contains { $0.hasPrefix(prefix) }
    }

    private func tick() -> Int64 {
        clock += 1
        return clock * 1_000
    }

    private func allocateInode() -> UInt64 {
        defer { nextInode += 1 }
        return nextInode
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
