import Glibc
import TBStore

/// The C library's own words for an errno value (`No such file or directory`).
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Calls `body` until it does not fail with EINTR; returns its last result.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result != -1 || errno != EINTR { return result }
    }
}

/// `stat`/`lstat` of `path` (a `FileName` string: any bytes), or the errno that prevented it.
func fileStatus(_ path: String, followingSymlinks: Bool) -> Result<stat, SystemError> {
    var status = stat()
    let name = FileName.cString(path)
    let rc = followingSymlinks ? stat(name, &status) : lstat(name, &status)
    return rc == 0 ? .success(status) : .failure(SystemError(errno))
}

/// An errno, kept typed until it becomes an `ExecutorError` with a path attached.
struct SystemError: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { errnoDescription(code) }
}

extension stat {
    var fileType: mode_t { st_mode & S_IFMT }
    var isDirectory: Bool { fileType == S_IFDIR }
    var isRegularFile: Bool { fileType == S_IFREG }
    var isSymlink: Bool { fileType == S_IFLNK }
    /// Permission bits including setuid, setgid and sticky.
    var permissions: mode_t { st_mode & 0o7777 }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock the C shim times arrivals with.
func monotonicNs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
