#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor, closed in deinit. Every system call on it goes through here
/// and retries on EINTR; failures become `StoreError.io` naming `path`.
final class FileDescriptor {
    let rawValue: Int32
    /// The path it was opened with, for messages.
    let path: String

    private init(takingOwnership rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.path = path
    }

    deinit { _ = Glibc.close(rawValue) }

    /// `open(2)` with `O_CLOEXEC` added.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(StoreError) -> FileDescriptor {
        while true {
            let fd = Glibc.open(FileName.cString(path), flags | O_CLOEXEC, mode)
            if fd >= 0 { return FileDescriptor(takingOwnership: fd, path: path) }
            if errno != EINTR { throw .lastIO("open", path) }
        }
    }

    /// Size from `fstat`, nil if fstat fails or the file is not regular.
    func sizeHint() -> Int64? {
        var st = Glibc.stat()
        guard fstat(rawValue, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// One `read(2)`: the number of bytes read, 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int {
        while true {
            let n = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw .lastIO("read", path) }
        }
    }

    /// Reads from the current offset to end of file: one `read(2)` into an array of the
    /// file's size, more only if the file grows meanwhile.
    func readToEnd() throws(StoreError) -> [UInt8] {
        var result: [UInt8] = []
        var capacity = max(Int(sizeHint() ?? 0), 4096)
        while true {
            var failure: StoreError?
            var atEnd = false
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var total = 0
                while total < buffer.count {
                    do throws(StoreError) {
                        let n = try read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[total...])))
                        total += n
                        // A regular file returns less than asked only at its end.
                        if n == 0 || total < buffer.count { atEnd = true; break }
                    } catch {
                        failure = error
                        break
                    }
                }
                initialized = total
            }
            if let failure { throw failure }
            if result.isEmpty { result = chunk } else { result += chunk }
            if atEnd { return result }
            capacity = max(capacity, 1 << 20)
        }
    }

    /// Writes all of `bytes`: one `write(2)` unless the kernel takes less.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .lastIO("write", path)
            }
            offset += n
        }
    }

    func write(_ bytes: [UInt8]) throws(StoreError) {
        var failure: StoreError?
        bytes.withUnsafeBytes { raw in
            do throws(StoreError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// `ftruncate(2)`.
    func truncate(to length: Int64) throws(StoreError) {
        while ftruncate(rawValue, off_t(length)) != 0 {
            if errno != EINTR { throw .lastIO("truncate", path) }
        }
    }

    /// `fsync(2)`.
    func sync() throws(StoreError) {
        while fsync(rawValue) != 0 {
            if errno != EINTR { throw .lastIO("sync", path) }
        }
    }
}
