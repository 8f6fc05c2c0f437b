import TBEngine
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout and stderr through their file descriptors (glibc's `stdout` and
/// `stderr` globals are not safe to share across threads). Every line passes through
/// `secrets` first: whatever prints it, a secret's value never reaches the terminal.
enum Terminal {
    /// Set once by `silence()`.
    nonisolated(unsafe) private static var silenced = false

    static func out(_ text: String) { if !silenced { write(1, secrets.mask(text)) } }
    static func err(_ text: String, evenIfSilenced: Bool = false) {
        if !silenced || evenIfSilenced { write(2, secrets.mask(text)) }
    }

    /// From now on only `err(_:evenIfSilenced: true)` writes: an interrupted run's last
    /// word is the interrupt handler's.
    static func silence() { silenced = true }

    /// The values never shown, also as `--json` writes them and as `printable` escapes
    /// their control characters.
    static let secrets = Secrets(encodings: [JSON.escaped, { printable($0) }])

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Whether a status line may be redrawn in place on stdout: a terminal, not `TERM=dumb`.
    static var stdoutIsSmart: Bool { stdoutIsTerminal && !termIsDumb }

    /// Whether `fd` gets colours: a terminal, not `TERM=dumb`, and no `NO_COLOR` (any
    /// non-empty value, as no-color.org says).
    static func colours(_ fd: Int32) -> Bool {
        guard isatty(fd) == 1, !termIsDumb else { return false }
        return (getenv("NO_COLOR").map { String(cString: $0) } ?? "").isEmpty
    }

    private static var termIsDumb: Bool { getenv("TERM").map { String(cString: $0) } == "dumb" }

    /// `text` in red when `on`.
    static func red(_ text: String, _ on: Bool) -> String { on ? "\u{1b}[31m\(text)\u{1b}[0m" : text }

    static func rows() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_row > 0 { return Int(size.ws_row) }
        return 24
    }

    static func columns() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    private static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
