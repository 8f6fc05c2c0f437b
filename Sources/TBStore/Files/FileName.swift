/// File names are bytes; Swift strings are Unicode. Names read from a file system, an
/// archive or an SFTP server become strings through `FileName.string`, which keeps every
/// byte: valid UTF-8 stays as it is, and each byte that is not part of valid UTF-8 becomes
/// one scalar of a private-use range (U+10FF80–U+10FFFF stand for bytes 0x80–0xFF, as
/// Python's `surrogateescape` does with surrogates). `FileName.bytes` and
/// `FileName.cString` give the original bytes back, for system calls and libraries.
///
/// Strings that hold no such scalar (every name a Targetfile spells) convert as their
/// UTF-8. A name that really holds a scalar of that range (UTF-8 F4 8F BE/BF xx) is kept
/// byte by byte too, so every byte string round-trips exactly.
///
/// A path that may hold a name read from outside must reach the system through
/// `cString` (Swift's implicit conversion would pass the scalars' UTF-8 instead), and a
/// message shows it through `printable`, which writes those bytes as `\xE9`.
public enum FileName {
    /// The first scalar of the range standing for bytes 0x80–0xFF (U+10FF80 is byte 0x80).
    static let base: UInt32 = 0x10FF00

    /// The string for the bytes `bytes` (no NUL), losing nothing.
    public static func string<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: isRawByte) {
            return text
        }
        var scalars = String.UnicodeScalarView()
        let all = Array(bytes)
        var index = 0
        while index < all.count {
            if let (scalar, length) = decodeOne(all, at: index), !isRawByte(scalar) {
                scalars.append(scalar)
                index += length
            } else {
                scalars.append(Unicode.Scalar(base + UInt32(all[index]))!)
                index += 1
            }
        }
        return String(scalars)
    }

    /// The bytes `name` stands for.
    public static func bytes(_ name: String) -> [UInt8] {
        guard name.unicodeScalars.contains(where: isRawByte) else { return Array(name.utf8) }
        var out: [UInt8] = []
        for scalar in name.unicodeScalars {
            if isRawByte(scalar) {
                out.append(UInt8(scalar.value - base))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// `bytes(name)` NUL-terminated, to pass where C wants a `const char *` path.
    public static func cString(_ name: String) -> [CChar] {
        bytes(name).map { CChar(bitPattern: $0) } + [0]
    }

    /// Whether `scalar` stands for a byte that is not UTF-8.
    public static func isRawByte(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= base + 0x80 && scalar.value <= base + 0xFF
    }

    /// The scalar UTF-8 encodes at `index` and its length, nil where the bytes are not
    /// valid UTF-8.
    private static func decodeOne(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let first = bytes[index]
        let length: Int
        switch first {
        case 0x00...0x7F: return (Unicode.Scalar(first), 1)
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        guard let text = String(validating: bytes[index..<index + length], as: UTF8.self),
              let scalar = text.unicodeScalars.first, text.unicodeScalars.count == 1 else { return nil }
        return (scalar, length)
    }
}
