#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// Creates checked entries under one directory (the import's temporary directory), each
/// relative to an open directory descriptor with `O_NOFOLLOW` on every component, so no
/// entry can land outside it whatever the archive holds. Directories are made 0700 while
/// their content is written; `finish()` gives them their modes, deepest first.
final class TreeExtractor {
    private let options: ImportOptions
    private let mtime: Int64
    /// The open directories from the top (the directory everything is created in) down
    /// to the last parent used; index 0 is the top.
    private var cursor: [(name: String, dir: OpenFile)]
    private var directories: [ManifestEntry] = []

    init(top: OpenFile, options: ImportOptions, mtime: Int64) {
        self.options = options
        self.mtime = mtime
        cursor = [("", top)]
    }

    /// The open parent directory of `path` and the entry's own name.
    private func parent(of path: String) throws(SnapshotError) -> (dir: OpenFile, name: String) {
        let components = EntryPath.components(path)
        let parents = components.dropLast()
        var keep = 0
        while keep < parents.count && keep + 1 < cursor.count && cursor[keep + 1].name == parents[parents.startIndex + keep] {
            keep += 1
        }
        cursor.removeLast(cursor.count - 1 - keep)
        for name in parents.dropFirst(keep) {
            let dir = try OpenFile.openAt(cursor.last!.dir.fd, String(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, name: path)
            cursor.append((String(name), dir))
        }
        return (cursor.last!.dir, String(components.last!))
    }

    /// Creates a directory, symlink, device or FIFO.
    func create(_ entry: ManifestEntry) throws(SnapshotError) {
        let (dir, entryName) = try parent(of: entry.path)
        let name = FileName.cString(entryName)
        switch entry.type {
        case .directory:
            guard mkdirat(dir.fd, name, 0o700) == 0 else { throw .lastIO("create directory", entry.path) }
            directories.append(entry)
            return
        case .symlink:
            guard symlinkat(FileName.cString(entry.linkTarget), dir.fd, name) == 0 else { throw .lastIO("create symlink", entry.path) }
        case .fifo:
            guard mkfifoat(dir.fd, name, 0o600) == 0 else { throw .lastIO("create FIFO", entry.path) }
        case .characterDevice, .blockDevice:
            let type = entry.type == .characterDevice ? S_IFCHR : S_IFBLK
            guard mknodat(dir.fd, name, type | 0o600, dev_t(DeviceNumber.make(major: entry.deviceMajor, minor: entry.deviceMinor))) == 0 else {
                throw .lastIO("create device", entry.path)
            }
        case .file:
            preconditionFailure("files go through createFile")
        }
        try finishAttributes(dir: dir.fd, name: name, entry)
    }

    /// Creates an empty file for `entry`, to be filled with `OpenFile.write(_:at:)`.
    func createFile(_ entry: ManifestEntry) throws(SnapshotError) -> OpenFile {
        let (dir, name) = try parent(of: entry.path)
        return try OpenFile.openAt(dir.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, name: entry.path)
    }

    /// Sizes a written file (holes at its end), then owner, mode and mtime. `written`:
    /// where the last data block ended; the file (created empty, `O_EXCL`) is then exactly
    /// that long, so `ftruncate` is only needed for a trailing hole (on ext4 it costs a
    /// journalled truncate per file even when the size does not change).
    func finishFile(_ file: OpenFile, _ entry: ManifestEntry, written: Int64) throws(SnapshotError) {
        if written != entry.size { try file.truncate(to: entry.size) }
        // chown before chmod: chown clears setuid/setgid bits.
        if options.restoreOwners, fchown(file.fd, uid_t(entry.uid), gid_t(entry.gid)) != 0 { throw .lastIO("chown", entry.path) }
        guard fchmod(file.fd, mode_t(entry.mode)) == 0 else { throw .lastIO("chmod", entry.path) }
        var times = [timespec(tv_sec: time_t(mtime), tv_nsec: 0), timespec(tv_sec: time_t(mtime), tv_nsec: 0)]
        guard futimens(file.fd, &times) == 0 else { throw .lastIO("set times of", entry.path) }
    }

    private func finishAttributes(dir: Int32, name: [CChar], _ entry: ManifestEntry) throws(SnapshotError) {
        if options.restoreOwners, fchownat(dir, name, uid_t(entry.uid), gid_t(entry.gid), AT_SYMLINK_NOFOLLOW) != 0 {
            throw .lastIO("chown", entry.path)
        }
        if entry.type != .symlink, fchmodat(dir, name, mode_t(entry.mode), 0) != 0 { throw .lastIO("chmod", entry.path) }
        var times = [timespec(tv_sec: time_t(mtime), tv_nsec: 0), timespec(tv_sec: time_t(mtime), tv_nsec: 0)]
        guard utimensat(dir, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw .lastIO("set times of", entry.path) }
    }

    /// Gives directories their owners, modes and mtimes, deepest first (a 0500 directory
    /// must be filled before it is closed, and its mtime set after its content).
    func finish() throws(SnapshotError) {
        cursor.removeLast(cursor.count - 1)
        for entry in directories.reversed() {
            let (dir, name) = try parent(of: entry.path)
            try finishAttributes(dir: dir.fd, name: FileName.cString(name), entry)
        }
        cursor.removeLast(cursor.count - 1)
    }
}
