#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// An open file descriptor, closed in deinit. System calls retry on EINTR; failures
/// become `SnapshotError.io` naming `path`.
final class OpenFile {
    let fd: Int32
    /// For messages: the path it was opened with (or the entry it stands for).
    let path: String

    init(takingOwnership fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = close(fd) }

    /// `open(2)` with `O_CLOEXEC`.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SnapshotError) -> OpenFile {
        try openAt(AT_FDCWD, path, flags, mode: mode, name: path)
    }

    /// `openat(2)` with `O_CLOEXEC`; `name` is used in messages.
    static func openAt(_ directory: Int32, _ path: String, _ flags: Int32, mode: mode_t = 0o600, name: String) throws(SnapshotError) -> OpenFile {
        while true {
            let fd = Glibc.openat(directory, FileName.cString(path), flags | O_CLOEXEC, mode)
            if fd >= 0 { return OpenFile(takingOwnership: fd, path: name) }
            if errno != EINTR { throw .lastIO("open", name) }
        }
    }

    /// One `read(2)`; 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SnapshotError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw .lastIO("read", path) }
        }
    }

    /// Writes all of `bytes` at `offset` (`pwrite(2)`).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(SnapshotError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .lastIO("write", path)
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8]) throws(SnapshotError) {
        var failure: SnapshotError?
        bytes.withUnsafeBytes { raw in
            do throws(SnapshotError) { try write(raw, at: 0) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func truncate(to length: Int64) throws(SnapshotError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw .lastIO("truncate", path) }
        }
    }

    func sync() throws(SnapshotError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw .lastIO("sync", path) }
        }
    }

    /// Reads the whole file (for manifests; archives are streamed).
    func readAll() throws(SnapshotError) -> [UInt8] {
        var result: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try read(into: buffer)
            if n == 0 { return result }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
    }
}
