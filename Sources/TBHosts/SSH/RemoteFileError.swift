import TBStore

/// Why reading a file on an ssh host (`SSHExecutor.remoteStatus` and its siblings)
/// failed. Prints as one line naming the host and the path.
public enum RemoteFileError: Error, Equatable, CustomStringConvertible {
    /// The SFTP server refused or failed a request, e.g. "cannot list mn:/install:
    /// Permission denied".
    case failed(operation: String, host: String, path: String, reason: String)
    /// The host cannot be reached: connect, host key, authentication, a lost connection.
    case unavailable(host: String, reason: String)

    /// One line: names and remote words in it are `printable`.
    public var description: String { printable(text) }

    private var text: String {
        switch self {
        case .failed(let operation, let host, let path, let reason):
            return "cannot \(operation) \(host):\(path): \(reason)"
        case .unavailable(let host, let reason):
            return "host \(host) unavailable: \(reason)"
        }
    }
}
