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
    /// The cache object at `path`, named `digest`, does not hold the content its name
    /// says (a flipped byte, a truncated file). It has been removed and nothing was placed.
    case corruptObject(digest: Digest, path: String)
    /// Something other than a regular file (`kind`: "a FIFO", "a socket", ...) stood
    /// where the cache object `digest` belongs. It has been removed and nothing was placed.
    case notAnObject(digest: Digest, path: String, kind: String)
    /// The cache has no object `digest` (never stored, or collected meanwhile).
    case missingObject(digest: Digest, path: String)
    /// The file at `path` does not hash to the digest the caller expected; nothing was stored.
    case digestMismatch(path: String, expected: Digest, actual: Digest)
    /// The cache directory `path` was made by another tbmake version (its VERSION file
    /// says `found`); it is neither read nor written.
    case unsupportedCache(path: String, found: String)

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
        case .corruptObject(let digest, let path):
            return "corrupt cache object \(digest.short) (\(path)): content does not match its name; removed"
        case .notAnObject(let digest, let path, let kind):
            return "corrupt cache object \(digest.short) (\(path)): \(kind), not a regular file; removed"
        case .missingObject(let digest, let path):
            return "cache object \(digest.short) is missing (\(path))"
        case .digestMismatch(let path, let expected, let actual):
            return "\(path) changed while it was stored: expected \(expected.short), read \(actual.short)"
        case .unsupportedCache(let path, let found):
            return "cache \(path) is in an unsupported format (\"\(found)\"); use another --cache-dir or remove it"
        }
    }
}

extension StoreError {
    /// `.io` with the calling thread's current `errno`.
    static func lastIO(_ operation: String, _ path: String) -> StoreError {
        .io(operation: operation, path: path, errno: errno)
    }
}
