import TBTargetfile

/// The remote cache of a run, from the command line, the environment and `[cache]` in
/// tbmake.conf, in that order of precedence:
///
///     --remote-cache URL   TBMAKE_REMOTE_CACHE   remote = URL
///     --remote-upload=no                         upload = no
///     --remote-timeout 30s                       timeout = 30s
///     --remote-cacert FILE                       cacert = FILE
///     --remote-header 'Name: value' (repeated)
struct RemoteSettings {
    static let urlVariable = "TBMAKE_REMOTE_CACHE"

    var url: String
    var upload: Bool
    var curl: CurlSettings

    /// The settings, or nil when no remote cache is named. Bad values are usage errors.
    static func resolve(_ command: TBMake, config: [String: String]) throws -> RemoteSettings? {
        for key in config.keys where !["remote", "upload", "timeout", "cacert"].contains(key) {
            throw Invocation.Stop(message: "tbmake.conf: unknown key '\(key)' in [cache] (expected remote, upload, timeout or cacert)", exitStatus: 2)
        }
        guard let url = command.remoteCache ?? Invocation.processEnvironment[urlVariable] ?? config["remote"],
              !url.isEmpty else { return nil }
        if let password = RemoteURL.password(of: url) { Terminal.secrets.add(password) }
        guard RemoteURL.isHTTP(url) else {
            throw Invocation.Stop(message: "remote cache \(RemoteURL.masked(url)): expected an http:// or https:// URL", exitStatus: 2)
        }
        let curl = try curlSettings(command, config: config)
        let upload: Bool
        switch command.remoteUpload ?? config["upload"] ?? "yes" {
        case "yes", "true", "1": upload = true
        case "no", "false", "0": upload = false
        case let other:
            throw Invocation.Stop(message: "remote upload '\(other)': expected yes or no", exitStatus: 2)
        }
        return RemoteSettings(url: url, upload: upload, curl: curl)
    }

    /// Timeout, CA file and headers, for the remote cache and for a `lock URL`.
    static func curlSettings(_ command: TBMake, config: [String: String]) throws -> CurlSettings {
        var curl = CurlSettings()
        if let text = command.remoteTimeout ?? config["timeout"] {
            guard let seconds = DurationText.seconds(text) else {
                throw Invocation.Stop(message: "remote timeout '\(text)' is not a duration (30s, 2m)", exitStatus: 2)
            }
            curl.timeoutSeconds = max(1, Int(seconds.rounded(.up)))
        }
        curl.caFile = command.remoteCACert ?? config["cacert"]
        for header in command.remoteHeaders {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw Invocation.Stop(message: "--remote-header needs 'Name: value'", exitStatus: 2)
            }
            curl.headers.append(header)
            // Whatever prints it, a header's value (a token) is shown as ***.
            let value = header[header.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            if !value.isEmpty { Terminal.secrets.add(String(value)) }
        }
        return curl
    }
}
