#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock(2)`) on a file such as `.tbmake/lock`, so that only
/// one tbmake works in a project at a time. The holder writes its pid into the file, so
/// that a second tbmake can say who holds it.
///
/// The lock is released when the instance is deinitialised (the file is emptied, then its
/// descriptor closed), and by the kernel if the process dies.
public final class DirectoryLock {
    /// Path of the lock file.
    public let path: String
    private let file: FileDescriptor

    private init(path: String, file: FileDescriptor) {
        self.path = path
        self.file = file
    }

    deinit {
        // Still held: the next holder finds no pid of a process that has let go.
        _ = ftruncate(file.rawValue, 0)
    }

    /// Takes the lock at `path`, creating the file and its parent directory if missing.
    /// Does not wait: throws `.locked(path:holderPid:)` at once if another process (or
    /// another `DirectoryLock` in this one) holds it, `.io` if the file cannot be opened.
    public static func acquire(path: String) throws(StoreError) -> DirectoryLock {
        try FileSystem.makeDirectories(FileSystem.parentDirectory(path))
        let file = try FileDescriptor.open(path, O_RDWR | O_CREAT)
        // A holder writes its pid just after taking the lock, and may let go meanwhile:
        // look again for a moment, so that a refusal names the holder.
        let giveUp = ContinuousClock.now + .seconds(1)
        while flock(file.rawValue, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK:
                if let holder = holder(of: file) { throw .locked(path: path, holderPid: holder) }
                if ContinuousClock.now >= giveUp { throw .locked(path: path, holderPid: nil) }
                usleep(1000)
            default: throw .lastIO("lock", path)
            }
        }
        try file.truncate(to: 0)
        var text = Array("\(getpid())\n".utf8)
        if pwrite(file.rawValue, &text, text.count, 0) != text.count { throw .lastIO("write", path) }
        return DirectoryLock(path: path, file: file)
    }

    /// The process holding the lock on `file`: the live pid written in it, else the one
    /// the kernel lists in `/proc/locks` (a holder that writes no pid, as `flock(1)`).
    private static func holder(of file: FileDescriptor) -> Int32? {
        if let pid = writtenPid(file), kill(pid, 0) == 0 || errno == EPERM { return pid }
        return kernelHolder(of: file)
    }

    /// The pid the holder wrote, if the file holds one.
    private static func writtenPid(_ file: FileDescriptor) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(text.prefix { $0 != "\n" })
    }

    /// The pid of the `FLOCK` entry of `/proc/locks` on the file's device and inode
    /// (`1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`, device numbers in hex).
    private static func kernelHolder(of file: FileDescriptor) -> Int32? {
        var st = stat()
        guard fstat(file.rawValue, &st) == 0,
              let table = try? FileDescriptor.open("/proc/locks", O_RDONLY).readToEnd() else { return nil }
        let device = UInt64(st.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        for line in String(decoding: table, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, UInt64(id[0], radix: 16) == major, UInt64(id[1], radix: 16) == minor,
                  UInt64(id[2]) == UInt64(st.st_ino) else { continue }
            return Int32(fields[4])
        }
        return nil
    }
}
