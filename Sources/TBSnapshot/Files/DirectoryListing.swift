#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// Directory operations on paths, each a thin wrapper over one system call.
enum DirectoryListing {
    /// The names in the directory at `path` (not "." or ".."), unsorted, as `FileName`
    /// strings: any bytes.
    static func names(_ path: String) throws(SnapshotError) -> [String] {
        guard let dir = opendir(FileName.cString(path)) else { throw .lastIO("list", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw .lastIO("list", path) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                FileName.string(raw.prefix(while: { $0 != 0 }))
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
    }

    /// `lstat(2)`; nil if nothing is there (ENOENT/ENOTDIR), throws otherwise.
    static func lstat(_ path: String) throws(SnapshotError) -> Glibc.stat? {
        var st = Glibc.stat()
        if Glibc.lstat(FileName.cString(path), &st) == 0 { return st }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw .lastIO("stat", path)
    }

    /// `readlink(2)`: the target's bytes, as a `FileName` string.
    static func readLink(_ path: String) throws(SnapshotError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBufferPointer { readlink(FileName.cString(path), UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
        guard n >= 0 else { throw .lastIO("readlink", path) }
        return FileName.string(buffer[..<n])
    }

    /// Removes `name` in the directory `parent` and everything under it, without
    /// following symlinks. Best effort: used to clean up, errors are ignored.
    static func removeTree(parent: Int32, name: String) {
        let name = FileName.cString(name)
        var st = Glibc.stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            _ = fchmodat(parent, name, 0o700, 0)
            let fd = Glibc.openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0, let dir = fdopendir(fd) {
                var children: [String] = []
                while let entry = readdir(dir) {
                    let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        FileName.string(raw.prefix(while: { $0 != 0 }))
                    }
                    if child != "." && child != ".." { children.append(child) }
                }
                for child in children { removeTree(parent: dirfd(dir), name: child) }
                closedir(dir)
            } else if fd >= 0 {
                close(fd)
            }
            _ = unlinkat(parent, name, AT_REMOVEDIR)
        } else {
            _ = unlinkat(parent, name, 0)
        }
    }

    /// `removeTree` for a path.
    static func removeTree(_ path: String) {
        let parent = EntryPath.parent(path).map { $0.isEmpty ? "/" : $0 } ?? "."
        let name = String(path.split(separator: "/").last ?? "")
        guard !name.isEmpty else { return }
        let fd = Glibc.open(FileName.cString(parent), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        removeTree(parent: fd, name: name)
    }
}
