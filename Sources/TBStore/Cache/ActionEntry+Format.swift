/// The on-disk form of an action entry (the file `root/actions/ab/<key hex>`):
///
///     tbmake action v1
///     <path>\t<digest hex>\t<mode, octal>
///     ...
///
/// one line per output, each ending in "\n". In paths, `\` is written `\\`, a tab `\t`
/// and a newline `\n`; no other escape exists.
extension ActionEntry {
    static let signature = "tbmake action v1"
    static let signaturePrefix = "tbmake action v"

    /// What decoding found.
    enum Decoded: Equatable {
        case entry(ActionEntry)
        /// Another version of the format (a newer tbmake): not ours to judge or remove.
        case unknownVersion
        case malformed
    }

    func encoded() -> [UInt8] {
        var bytes = Array((ActionEntry.signature + "\n").utf8)
        for output in outputs {
            for byte in output.path.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\t"))
            bytes += output.digest.hex.utf8
            bytes.append(UInt8(ascii: "\t"))
            bytes += String(output.mode, radix: 8).utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8], key: Digest) -> Decoded {
        let newline = UInt8(ascii: "\n")
        // Entries are written whole (temp + rename): a first line without its newline is damage.
        guard let firstEnd = bytes.firstIndex(of: newline) else { return .malformed }
        let first = bytes[..<firstEnd]
        guard first.elementsEqual(signature.utf8) else {
            return first.starts(with: signaturePrefix.utf8) ? .unknownVersion : .malformed
        }
        guard bytes.last == newline else { return .malformed }
        var outputs: [OutputRecord] = []
        for line in bytes[(firstEnd + 1)...].split(separator: newline, omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty,
                  let path = unescape(fields[0]),
                  let digest = Digest(lowercaseHex: String(decoding: fields[1], as: UTF8.self)),
                  !fields[2].isEmpty, fields[2].count <= 6,
                  let mode = UInt32(String(decoding: fields[2], as: UTF8.self), radix: 8)
            else { return .malformed }
            outputs.append(OutputRecord(path: path, digest: digest, mode: mode))
        }
        return .entry(ActionEntry(key: key, outputs: outputs))
    }

    private static func unescape(_ bytes: ArraySlice<UInt8>) -> String? {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "\\"): result.append(byte)
                case UInt8(ascii: "t"): result.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "n"): result.append(UInt8(ascii: "\n"))
                default: return nil
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                result.append(byte)
            }
        }
        guard !escaped else { return nil }
        // Paths are Swift strings: they were valid UTF-8 when written.
        guard let text = String(validating: result, as: UTF8.self) else { return nil }
        return text
    }
}
