/// Why an ssh connection or an operation on it failed. Each case prints as one line
/// naming the host (and port, file or key concerned). `SSHExecutor` turns these into
/// `ExecutorError.unavailable` / `.transferFailed` for the engine.
public enum SSHError: Error, Equatable, CustomStringConvertible {
    /// The address could not be resolved (DNS).
    case resolveFailed(host: String, reason: String)
    /// TCP connect failed (`Connection refused`, `No route to host`).
    case connectFailed(host: String, port: Int, reason: String)
    /// TCP connect or the ssh handshake took longer than `ConnectTimeout`.
    case connectTimedOut(host: String, port: Int, seconds: Double)
    /// The host's key is not in the known_hosts file and the policy is `yes`.
    case hostKeyUnknown(host: String, fingerprint: String, knownHostsFile: String)
    /// The host offers another key than the one recorded at `knownHostsFile:line`.
    case hostKeyChanged(host: String, knownHostsFile: String, line: Int, fingerprint: String)
    /// The known_hosts file exists but cannot be read or parsed, or cannot be appended to.
    case knownHostsFailed(file: String, reason: String)
    /// The OpenSSH client config file exists but cannot be read.
    case configFailed(file: String, reason: String)
    /// Neither the agent nor any key file was accepted. `tried` lists what was offered.
    case authenticationFailed(host: String, user: String, tried: [String])
    /// A key file is passphrase-protected and no agent holds it.
    case passphraseProtected(host: String, keyFile: String)
    /// The connection broke (peer closed it, reset, socket error).
    case connectionLost(host: String, reason: String)
    /// The gateway (`ProxyJump`, `via=`) a host is reached through cannot be reached,
    /// or was lost: `gateway` as written, and why.
    case gatewayFailed(gateway: String, reason: String)
    /// A libssh2 call failed: `operation` and libssh2's own message.
    case library(host: String, operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .resolveFailed(let host, let reason):
            return "cannot resolve \(host): \(reason)"
        case .connectFailed(let host, let port, let reason):
            return "cannot connect to \(host):\(port): \(reason)"
        case .connectTimedOut(let host, let port, let seconds):
            return "cannot connect to \(host):\(port): no answer within \(seconds.formattedForMessage)s"
        case .hostKeyUnknown(let host, let fingerprint, let file):
            return "host key of \(host) is not known (\(fingerprint)); add it to \(file) or set StrictHostKeyChecking accept-new"
        case .hostKeyChanged(let host, let file, let line, let fingerprint):
            return "HOST KEY OF \(host) HAS CHANGED: it now offers \(fingerprint), not the key at \(file):\(line); refusing to connect (remove that line if the change is expected)"
        case .knownHostsFailed(let file, let reason):
            return "known hosts file \(file): \(reason)"
        case .configFailed(let file, let reason):
            return "ssh config \(file): \(reason)"
        case .authenticationFailed(let host, let user, let tried):
            let what = tried.isEmpty ? "no ssh-agent and no key file" : tried.joined(separator: ", ")
            return "authentication as \(user)@\(host) failed (tried \(what))"
        case .passphraseProtected(let host, let keyFile):
            return "cannot authenticate to \(host): key \(keyFile) is passphrase-protected and no ssh-agent holds it (add it with ssh-add)"
        case .connectionLost(let host, let reason):
            return "connection to \(host) lost: \(reason)"
        case .gatewayFailed(let gateway, let reason):
            return "gateway \(gateway): \(reason)"
        case .library(let host, let operation, let code, let message):
            return "\(host): \(operation) failed: \(message.isEmpty ? "libssh2 error \(code)" : message)"
        }
    }
}

extension Double {
    var formattedForMessage: String {
        self == rounded() ? String(Int(self)) : String((self * 10).rounded() / 10)
    }
}
