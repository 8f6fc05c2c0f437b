import Glibc
import TBStore

/// Owns one open file descriptor and closes it in `deinit`, so no path — a throw, an
/// early return — leaks it. `close()` releases it earlier; closing twice is harmless.
final class FileDescriptor {
    private(set) var rawValue: Int32

    /// Takes ownership of `rawValue`, which must be open and owned by nobody else.
    init(takingOwnership rawValue: Int32) {
        self.rawValue = rawValue
    }

    deinit { close() }

    var isOpen: Bool { rawValue >= 0 }

    func close() {
        guard rawValue >= 0 else { return }
        // Not retried on EINTR: on Linux the descriptor is released either way.
        _ = Glibc.close(rawValue)
        rawValue = -1
    }

    fileprivate func forgetClosed() {
        rawValue = -1
    }

    /// Opens `path` (a `FileName` string: any bytes); always adds O_CLOEXEC so the descriptor never leaks into a child
    /// spawned concurrently by another thread.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) -> Result<FileDescriptor, SystemError> {
        let name = FileName.cString(path)
        let fd = retryingInterrupts { Glibc.open(name, flags | O_CLOEXEC, mode) }
        return fd >= 0 ? .success(FileDescriptor(takingOwnership: fd)) : .failure(SystemError(errno))
    }

    /// A pipe whose two ends are close-on-exec: (read end, write end).
    static func pipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = GNUExtensions.pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { throw SystemError(errno) }
            return (FileDescriptor(takingOwnership: fds[0]), FileDescriptor(takingOwnership: fds[1]))
        }
        // Without pipe2 there is a window in which another thread's spawn could inherit
        // the pipe; spawnLock (held around our own spawns) closes it for this module.
        return try spawnLock.withLock {
            guard Glibc.pipe(&fds) == 0 else { throw SystemError(errno) }
            let pair = (FileDescriptor(takingOwnership: fds[0]), FileDescriptor(takingOwnership: fds[1]))
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            return pair
        }
    }
}

extension FileDescriptor {
    /// Closes now and reports a failed close (which can carry a delayed write error).
    func closeChecked() throws {
        guard rawValue >= 0 else { return }
        let fd = rawValue
        let rc = Glibc.close(fd)
        let code = errno
        forgetClosed()
        if rc != 0 && code != EINTR { throw SystemError(code) }
    }
}
