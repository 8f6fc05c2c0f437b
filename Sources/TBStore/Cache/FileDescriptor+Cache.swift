#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `utimensat`/`futimens` markers; Swift cannot import the C macros.
let utimeNow = (1 << 30) - 1
let utimeOmit = (1 << 30) - 2

/// `FICLONE` from <linux/fs.h>, `_IOW(0x94, 9, int)`: share the source file's extents
/// (btrfs, XFS with reflink, bcachefs; ext4 and tmpfs refuse with EOPNOTSUPP/EINVAL).
let ficlone: UInt = 0x4004_9409

extension FileDescriptor {
    /// Opens the cache file at `path` for reading if it is a regular file; nil, opening
    /// nothing, when something else is there (a FIFO, socket, device, directory or
    /// symlink), which `open(2)` could block on or follow. The `lstat` before opening
    /// keeps a device from being opened at all; `O_NONBLOCK | O_NOFOLLOW` and the `fstat`
    /// after it cover a file swapped in between. Throws `.io` when nothing is there
    /// (ENOENT) or it cannot be opened.
    static func openRegular(_ path: String) throws(StoreError) -> (file: FileDescriptor, stat: FileStat)? {
        guard let found = FileStat.lstat(path) else { throw .lastIO("open", path) }
        guard found.isRegular else { return nil }
        let file: FileDescriptor
        do {
            file = try open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW)
        } catch .io(_, _, let code) where code == ELOOP || code == ENXIO {
            return nil
        }
        let stat = try file.stat()
        guard stat.isRegular else { return nil }
        return (file, stat)
    }

    /// `fstat(2)`.
    func stat() throws(StoreError) -> FileStat {
        var st = Glibc.stat()
        guard fstat(rawValue, &st) == 0 else { throw .lastIO("stat", path) }
        return FileStat(st)
    }

    /// Last access time in nanoseconds since the epoch (the cache's last-use time).
    func accessTimeNs() -> Int64? {
        var st = Glibc.stat()
        guard fstat(rawValue, &st) == 0 else { return nil }
        return Int64(st.st_atim.tv_sec) * 1_000_000_000 + Int64(st.st_atim.tv_nsec)
    }

    /// `fchmod(2)`.
    func changeMode(_ mode: UInt32) throws(StoreError) {
        while fchmod(rawValue, mode_t(mode)) != 0 {
            if errno != EINTR { throw .lastIO("change mode of", path) }
        }
    }

    /// `futimens(2)`; `utimeNow`/`utimeOmit` in a `tv_nsec` keep their C meaning.
    func setTimes(access: timespec, modification: timespec) throws(StoreError) {
        var times = [access, modification]
        guard futimens(rawValue, &times) == 0 else { throw .lastIO("set times of", path) }
    }

    /// Hashes from the current offset to end of file through `buffer`.
    func hash(through buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Digest {
        let hasher = SHA256Hasher()
        while true {
            let count = try read(into: buffer)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hasher.finalize()
    }

    /// Copies everything from `source`'s current offset to its end onto this file: first
    /// `sendfile(2)` (the kernel copies, no user-space buffer), then, if the kernel
    /// cannot for these two files, `read`/`write` through `buffer`. Returns the bytes copied.
    func copy(from source: FileDescriptor, through buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int64 {
        var total: Int64 = 0
        var useSendfile = true
        while useSendfile {
            let n = sendfile(rawValue, source.rawValue, nil, 1 << 30)
            if n > 0 { total += Int64(n); continue }
            if n == 0 { return total }
            switch errno {
            case EINTR: continue
            case EINVAL, ENOSYS, EOPNOTSUPP: useSendfile = false   // fall back below
            case EIO where total == 0: useSendfile = false
            default:
                // ENOSPC, EDQUOT, EIO...: a failure of the destination or the source.
                // Report it against the destination, where space is needed.
                throw .lastIO("write", path)
            }
        }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { return total }
            try write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += Int64(count)
        }
    }
}

extension FileStat {
    /// What a file that is not a regular one is, for messages: "a FIFO", "a socket", ...
    var kindName: String {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFIFO): return "a FIFO"
        case UInt32(S_IFSOCK): return "a socket"
        case UInt32(S_IFCHR): return "a character device"
        case UInt32(S_IFBLK): return "a block device"
        case UInt32(S_IFDIR): return "a directory"
        case UInt32(S_IFLNK): return "a symbolic link"
        case UInt32(S_IFREG): return "a regular file"
        default: return "an unknown kind of file"
        }
    }
}

/// Removes whatever is at `path` — a directory with everything under it — without
/// following symlinks; best effort.
func removeEntry(_ path: String) {
    guard let stat = FileStat.lstat(path) else { return }
    if stat.isDirectory {
        for name in (try? directoryNames(path)) ?? [] { removeEntry(path + "/" + name) }
        _ = rmdir(path)
    } else {
        _ = unlink(path)
    }
}

/// A file name this process made and owns: it is unlinked when the instance goes away,
/// whatever happened. After a successful `rename(2)` of it the unlink finds nothing
/// (ENOENT), except when the rename found both names on the same inode and left the
/// temporary name in place: then the unlink is exactly what is needed.
final class TemporaryName {
    let path: String
    /// Set when the name was created as a new file, open for writing.
    private(set) var file: FileDescriptor?

    private init(path: String) { self.path = path }

    deinit { _ = unlink(path) }

    /// A not-yet-existing name in `directory`: `<directory>/<prefix><pid>-<random hex>`.
    static func reserve(in directory: String, prefix: String = "") -> TemporaryName {
        TemporaryName(path: directory + "/" + prefix + randomSuffix())
    }

    /// Creates a new file at a fresh name in `directory` (`O_EXCL`, mode 0600), holding an
    /// exclusive `flock` on it while the name exists: a file of the cache's `tmp/` that
    /// nobody holds, and whose pid is gone, was left by a killed process.
    static func create(in directory: String, prefix: String = "") throws(StoreError) -> TemporaryName {
        while true {
            let name = reserve(in: directory, prefix: prefix)
            do {
                let file = try FileDescriptor.open(name.path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
                _ = flock(file.rawValue, LOCK_EX)
                name.file = file
                return name
            } catch .io(_, _, let code) where code == EEXIST {
                continue
            }
        }
    }

    /// Opens a new file at this (reserved) name.
    func createFile() throws(StoreError) -> FileDescriptor {
        let opened = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        file = opened
        return opened
    }

    /// The pid in a name made by `reserve` (`<prefix><pid>-<random hex>`).
    static func pid(in name: String) -> pid_t? {
        let fields = name.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 2, fields.last?.count == 16 else { return nil }
        return pid_t(fields[fields.count - 2])
    }

    static func randomSuffix() -> String {
        let random = UInt64.random(in: 0...UInt64.max)
        let hex = String(random, radix: 16)
        return "\(getpid())-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// An open directory stream (`opendir`), closed in deinit.
final class DirectoryStream {
    private let stream: OpaquePointer

    private init(stream: OpaquePointer) { self.stream = stream }

    deinit { closedir(stream) }

    /// nil if `path` does not exist or is not a directory; throws for other failures.
    static func open(_ path: String) throws(StoreError) -> DirectoryStream? {
        guard let stream = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .lastIO("list", path)
        }
        return DirectoryStream(stream: stream)
    }

    /// The names in the directory, "." and ".." left out, in no particular order.
    func names() -> [String] {
        var result: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { result.append(name) }
        }
        return result
    }
}

/// Names in `path`, empty if it is missing or not a directory.
func directoryNames(_ path: String) throws(StoreError) -> [String] {
    try DirectoryStream.open(path)?.names() ?? []
}
