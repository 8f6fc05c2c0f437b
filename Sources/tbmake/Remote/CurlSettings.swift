/// What every request of one server shares: how long to wait, whom to trust, which
/// headers to send. Credentials stay inside curl's options; nothing here is printed.
struct CurlSettings {
    /// Seconds to connect, and seconds a transfer may stall before it is abandoned.
    var timeoutSeconds = 30
    /// A CA bundle to trust instead of the system's (`--remote-cacert`).
    var caFile: String?
    /// `Name: value` lines sent with every request (`--remote-header`).
    var headers: [String] = []
    /// Read `~/.netrc` for credentials the URL does not carry.
    var useNetrc = true
}
