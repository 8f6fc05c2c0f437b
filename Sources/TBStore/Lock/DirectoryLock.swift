#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock(2)`) on a file such as `.tbmake/lock`, so that only
/// one tbmake works in a project at a time. The holder writes its pid into the file, so
/// that a second tbmake can say who holds it.
///
/// The lock is released when the instance is deinitialised (its descriptor is closed),
/// and by the kernel if the process dies.
public final class DirectoryLock {
    /// Path of the lock file.
    public let path: String
    private let file: FileDescriptor

    private init(path: String, file: FileDescriptor) {
        self.path = path
        self.file = file
    }

    /// Takes the lock at `path`, creating the file and its parent directory if missing.
    /// Does not wait: throws `.locked(path:holderPid:)` at once if another process (or
    /// another `DirectoryLock` in this one) holds it, `.io` if the file cannot be opened.
    public static func acquire(path: String) throws(StoreError) -> DirectoryLock {
        try FileSystem.makeDirectories(FileSystem.parentDirectory(path))
        let file = try FileDescriptor.open(path, O_RDWR | O_CREAT)
        while flock(file.rawValue, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK: throw .locked(path: path, holderPid: readPid(file))
            default: throw .lastIO("lock", path)
            }
        }
        try file.truncate(to: 0)
        var text = Array("\(getpid())\n".utf8)
        if pwrite(file.rawValue, &text, text.count, 0) != text.count { throw .lastIO("write", path) }
        return DirectoryLock(path: path, file: file)
    }

    /// The pid the holder wrote, if the file holds one (it may be empty for an instant
    /// after the holder took the lock).
    private static func readPid(_ file: FileDescriptor) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(text.prefix { $0 != "\n" })
    }
}
