#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the digest / store layer could not do what it was asked. Each case prints as one
/// line a user can act on, in the C library's own words.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// A system call failed. `operation` is a verb ("read", "open", "rename", ...),
    /// `errno` the value it left; prints as "cannot read dist/x.rpm: Permission denied".
    case io(operation: String, path: String, errno: Int32)
    /// An OpenSSL call failed; `message` is OpenSSL's error queue, drained and joined.
    case crypto(operation: String, message: String)
    /// Another process holds the lock file at `path`; `holderPid` is the pid it wrote
    /// there, when it could be read.
    case locked(path: String, holderPid: Int32?)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        case .crypto(let operation, let message):
            return "\(operation) failed: \(message.isEmpty ? "no detail from OpenSSL" : message)"
        case .locked(let path, let pid?):
            return "another tbmake (pid \(pid)) is running in this project (\(path))"
        case .locked(let path, nil):
            return "another tbmake is running in this project (\(path))"
        }
    }
}

extension StoreError {
    /// `.io` with the calling thread's current `errno`.
    static func lastIO(_ operation: String, _ path: String) -> StoreError {
        .io(operation: operation, path: path, errno: errno)
    }
}
