import TBStore

/// Why a host could not carry out a step. Each case prints as one line a user can act on.
public enum ExecutorError: Error, Equatable, CustomStringConvertible {
    /// The step ran past its deadline and was killed.
    case timedOut(seconds: Double)
    /// The command could not be started (`posix_spawn` failed).
    case spawnFailed(command: String, errno: Int32)
    /// A `put` or `get` failed; `path` is the file concerned.
    case transferFailed(path: String, reason: String)
    /// The host cannot be reached or prepared (e.g. its sandbox cannot be created).
    case unavailable(host: String, reason: String)
    /// A recipe of the `console` pool on a host that cannot give it tbmake's terminal.
    case noConsole(host: String)

    /// One line: names and remote words in it are `printable`.
    public var description: String { printable(text) }

    private var text: String {
        switch self {
        case .timedOut(let seconds):
            return "timed out after \(Duration.seconds(seconds).formattedSeconds)"
        case .spawnFailed(let command, let code):
            return "cannot run '\(command)': \(String(cString: strerror(code)))"
        case .transferFailed(let path, let reason):
            return "cannot copy \(path): \(reason)"
        case .unavailable(let host, let reason):
            return "host \(host) unavailable: \(reason)"
        case .noConsole(let host):
            return "host \(host) cannot give a recipe the terminal: the console pool runs on local hosts only"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    /// `300s`, `1.5s`: how durations appear in messages.
    var formattedSeconds: String {
        let (s, atto) = components
        if atto == 0 { return "\(s)s" }
        let value = Double(s) + Double(atto) / 1e18
        return "\((value * 10).rounded() / 10)s"
    }
}
