import TBEngine
#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout and stderr through their file descriptors (glibc's `stdout` and
/// `stderr` globals are not safe to share across threads). Every line passes through
/// `secrets` first: whatever prints it, a secret's value never reaches the terminal.
enum Terminal {
    static func out(_ text: String) { write(1, secrets.mask(text)) }
    static func err(_ text: String) { write(2, secrets.mask(text)) }

    /// The values never shown, also as `--json` and escaped control characters write them.
    static let secrets = Secrets(encodings: [JSON.escaped, escapingControls])

    /// `text` with control characters as visible escapes (`\e`, `\n`, `\r`, `\t`,
    /// `\xHH`), as messages quoting names from outside write them.
    @Sendable static func escapingControls(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1B: out += "\\e"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

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
