/// `text` as it may be shown on a terminal or in a log line: characters that move the
/// cursor, clear the screen, start an escape sequence or end the line are written as
/// visible escapes, so that a name tbmake did not write (an archive entry, a file name,
/// a host, a remote error) prints as exactly one piece of one line.
///
/// - ESC, newline, carriage return and tab as `\e`, `\n`, `\r`, `\t`;
/// - the other C0 controls and DEL as `\xHH`; C1 controls (U+0080–U+009F), line and
///   paragraph separators and bidirectional overrides as `\u{HHHH}`;
/// - bytes of a file name that are not UTF-8 (see `FileName`) as `\xHH`.
///
/// Everything else, backslashes included, is kept as it is.
public func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        guard needsEscape(scalar) else {
            out.unicodeScalars.append(scalar)
            continue
        }
        switch scalar.value {
        case 0x1B: out += "\\e"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x00..<0x20, 0x7F: out += "\\x" + hex(scalar.value, digits: 2)
        default:
            if FileName.isRawByte(scalar) {
                out += "\\x" + hex(scalar.value - FileName.base, digits: 2)
            } else {
                out += "\\u{" + hex(scalar.value, digits: 4) + "}"
            }
        }
    }
    return out
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00..<0x20, 0x7F...0x9F: return true
    case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
    default: return FileName.isRawByte(scalar)
    }
}

private func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}
