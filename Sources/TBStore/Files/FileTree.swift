#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole directory trees, as a directory output is handled: listed without following
/// symlinks, removed, and put in place of another tree.
public enum FileTree {
    /// One entry under a tree's top: its path relative to the top, its `lstat`, and a
    /// symlink's target.
    public struct Entry: Equatable, Sendable {
        public var path: String
        public var stat: FileStat
        public var linkTarget: String?
    }

    /// `path` without trailing slashes (`rootfs/` is `rootfs`; `/` stays `/`).
    public static func withoutTrailingSlashes(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        return String(trimmed)
    }

    /// Every entry under `top` (not `top` itself), sorted by path bytes, symlinks not
    /// followed. Throws `.io` when a directory cannot be listed.
    public static func entries(under top: String) throws(StoreError) -> [Entry] {
        var result: [Entry] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? top : top + "/" + relative
            for name in try names(in: directory) {
                let path = relative.isEmpty ? name : relative + "/" + name
                guard let stat = FileStat.lstat(top + "/" + path) else { throw .lastIO("stat", top + "/" + path) }
                var entry = Entry(path: path, stat: stat, linkTarget: nil)
                if stat.isSymlink { entry.linkTarget = try linkTarget(top + "/" + path) }
                if stat.isDirectory { pending.append(path) }
                result.append(entry)
            }
        }
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Removes `path` and everything under it (`rm -rf`); a symlink is removed, never
    /// followed; nothing happens when `path` is missing. Directories are made writable
    /// first, so read-only trees go too.
    public static func remove(_ path: String) throws(StoreError) {
        guard let stat = FileStat.lstat(path) else { return }
        guard stat.isDirectory else {
            if unlink(FileName.cString(path)) != 0 && errno != ENOENT { throw .lastIO("remove", path) }
            return
        }
        _ = chmod(FileName.cString(path), 0o700)
        for name in try names(in: path) { try remove(path + "/" + name) }
        if rmdir(FileName.cString(path)) != 0 && errno != ENOENT { throw .lastIO("remove", path) }
    }

    /// Renames `from` to `to`, replacing what is there: a file atomically (rename(2)); a
    /// directory, or a directory put over a file, by moving the old one aside first and
    /// removing it after, so that `to` only ever names a whole old or a whole new tree.
    public static func replace(_ to: String, with from: String) throws(StoreError) {
        let old = FileStat.lstat(to)
        let new = FileStat.lstat(from)
        guard let old, old.isDirectory || new?.isDirectory == true else {
            if rename(FileName.cString(from), FileName.cString(to)) != 0 { throw .lastIO("rename \(from) to", to) }
            return
        }
        let aside = to + ".tbmake-old"
        try remove(aside)
        if rename(FileName.cString(to), FileName.cString(aside)) != 0 { throw .lastIO("rename \(to) to", aside) }
        if rename(FileName.cString(from), FileName.cString(to)) != 0 {
            let error = StoreError.lastIO("rename \(from) to", to)
            _ = rename(FileName.cString(aside), FileName.cString(to))
            throw error
        }
        try remove(aside)
    }

    private static func names(in directory: String) throws(StoreError) -> [String] {
        guard let dir = opendir(FileName.cString(directory)) else { throw .lastIO("list", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in FileName.string(bytes.prefix { $0 != 0 }) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func linkTarget(_ path: String) throws(StoreError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(FileName.cString(path), &buffer, buffer.count - 1)
        guard count >= 0 else { throw .lastIO("read link", path) }
        return FileName.string(buffer[..<count].map { UInt8(bitPattern: $0) })
    }
}
