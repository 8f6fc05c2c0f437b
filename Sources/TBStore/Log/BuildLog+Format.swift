#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The log's text format, version 1. After the signature line, one record per line, fields
// separated by tabs; in strings, tab, newline and backslash are written \t, \n and \\.
//
//   T <target> <key> <outputDigest> <finishedAtMs> <durationMs>
//     <n> (<name> <value>){n} <m> (<path> <digest> <mode, octal>){m}
//   D <path> <size> <mtimeNs> <ctimeNs> <inode> <hashedAtNs> <digest>
//   R <target>                                   (forget the target's trace)
//
// Digests are 64 lowercase hex digits, numbers decimal unless noted.

extension BuildLog {
    /// First line of every log; a different first line means "unknown format, start over".
    static let signature = "# tbmake log v1"

    /// One decoded line.
    enum Record {
        case trace(TraceRecord)
        case fileDigest(path: String, entry: DigestCacheEntry)
        case tombstone(target: String)
    }

    /// Decodes one line (without its "\n"); nil if it is malformed.
    static func decode(line: UnsafeBufferPointer<UInt8>) -> Record? {
        guard line.count >= 2, line[1] == UInt8(ascii: "\t") else { return nil }
        var fields = FieldReader(line: line, from: 2)
        switch line[0] {
        case UInt8(ascii: "T"): return decodeTrace(&fields).map(Record.trace)
        case UInt8(ascii: "D"): return decodeFileDigest(&fields)
        case UInt8(ascii: "R"):
            guard let target = fields.string(), fields.isAtEnd else { return nil }
            return .tombstone(target: target)
        default: return nil
        }
    }

    private static func decodeTrace(_ fields: inout FieldReader) -> TraceRecord? {
        guard let target = fields.string(), let key = fields.digest(), let outputDigest = fields.digest(),
              let finishedAtMs = fields.int64(), let durationMs = fields.int64(),
              let componentCount = fields.count()
        else { return nil }
        var components: [KeyComponent] = []
        components.reserveCapacity(componentCount)
        for _ in 0..<componentCount {
            guard let name = fields.string() else { return nil }
            if let digest = fields.lowercaseDigest() {
                components.append(KeyComponent(name: name, digest: digest))
            } else {
                guard let value = fields.string() else { return nil }
                components.append(KeyComponent(name: name, value: value))
            }
        }
        guard let outputCount = fields.count() else { return nil }
        var outputs: [OutputRecord] = []
        outputs.reserveCapacity(outputCount)
        for _ in 0..<outputCount {
            guard let path = fields.string(), let digest = fields.digest(), let mode = fields.octal()
            else { return nil }
            outputs.append(OutputRecord(path: path, digest: digest, mode: mode))
        }
        guard fields.isAtEnd else { return nil }
        return TraceRecord(
            target: target, key: key, components: components, outputs: outputs,
            outputDigest: outputDigest, finishedAtMs: finishedAtMs, durationMs: durationMs)
    }

    private static func decodeFileDigest(_ fields: inout FieldReader) -> Record? {
        guard let path = fields.string(), let size = fields.int64(), let mtimeNs = fields.int64(),
              let ctimeNs = fields.int64(), let inode = fields.uint64(), let hashedAtNs = fields.int64(),
              let digest = fields.digest(), fields.isAtEnd
        else { return nil }
        return .fileDigest(path: path, entry: DigestCacheEntry(
            size: size, mtimeNs: mtimeNs, ctimeNs: ctimeNs, inode: inode, hashedAtNs: hashedAtNs, digest: digest))
    }

    static func encode(_ trace: TraceRecord, into out: inout LogWriter) {
        out.tag("T")
        out.string(trace.target)
        out.digest(trace.key)
        out.digest(trace.outputDigest)
        out.int(trace.finishedAtMs)
        out.int(trace.durationMs)
        out.int(Int64(trace.components.count))
        for component in trace.components {
            out.string(component.name)
            switch component.storage {
            case .digest(let digest): out.digest(digest)
            case .text(let text): out.string(text)
            }
        }
        out.int(Int64(trace.outputs.count))
        for output in trace.outputs {
            out.string(output.path)
            out.digest(output.digest)
            out.octal(output.mode)
        }
        out.endLine()
    }

    static func encode(path: String, entry: DigestCacheEntry, into out: inout LogWriter) {
        out.tag("D")
        out.string(path)
        out.int(entry.size)
        out.int(entry.mtimeNs)
        out.int(entry.ctimeNs)
        out.uint(entry.inode)
        out.int(entry.hashedAtNs)
        out.digest(entry.digest)
        out.endLine()
    }

    static func encodeTombstone(target: String, into out: inout LogWriter) {
        out.tag("R")
        out.string(target)
        out.endLine()
    }
}

/// Builds lines of the log format in a byte buffer.
struct LogWriter {
    var bytes: [UInt8] = []

    mutating func tag(_ tag: Unicode.Scalar) {
        bytes.append(UInt8(ascii: tag))
    }

    mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\t"))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            default: bytes.append(byte)
            }
        }
    }

    mutating func digest(_ d: Digest) {
        bytes.append(UInt8(ascii: "\t"))
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 64))
        bytes.withUnsafeMutableBufferPointer { d.writeHex(to: $0.baseAddress! + start) }
    }

    mutating func int(_ value: Int64) {
        bytes.append(UInt8(ascii: "\t"))
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        digits(value.magnitude, radix: 10)
    }

    mutating func uint(_ value: UInt64) {
        bytes.append(UInt8(ascii: "\t"))
        digits(value, radix: 10)
    }

    mutating func octal(_ value: UInt32) {
        bytes.append(UInt8(ascii: "\t"))
        digits(UInt64(value), radix: 8)
    }

    private mutating func digits(_ value: UInt64, radix: UInt64) {
        var scratch: [UInt8] = []
        var v = value
        repeat {
            scratch.append(UInt8(ascii: "0") + UInt8(v % radix))
            v /= radix
        } while v > 0
        bytes.append(contentsOf: scratch.reversed())
    }
}

/// Reads the tab-separated fields of one line, in order. Every accessor returns nil when
/// the field is missing or malformed; `isAtEnd` tells whether the line had more fields.
struct FieldReader {
    private var cursor: UnsafePointer<UInt8>
    private let end: UnsafePointer<UInt8>
    /// Set once the last field has been read.
    private(set) var isAtEnd = false

    init(line: UnsafeBufferPointer<UInt8>, from offset: Int) {
        cursor = line.baseAddress! + offset
        end = line.baseAddress! + line.count
    }

    /// The raw bytes of the next field.
    @inline(__always)
    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        guard !isAtEnd else { return nil }
        let start = cursor
        if let tab = memchr(start, Int32(UInt8(ascii: "\t")), end - start) {
            let tabPointer = tab.assumingMemoryBound(to: UInt8.self)
            cursor = UnsafePointer(tabPointer) + 1
            return UnsafeBufferPointer(start: start, count: UnsafePointer(tabPointer) - start)
        }
        isAtEnd = true
        cursor = end
        return UnsafeBufferPointer(start: start, count: end - start)
    }

    /// A string field, unescaped.
    mutating func string() -> String? {
        guard let field = next() else { return nil }
        guard field.count > 0,
              memchr(field.baseAddress!, Int32(UInt8(ascii: "\\")), field.count) != nil
        else { return String(decoding: field, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(field.count)
        var i = 0
        while i < field.count {
            let byte = field[i]
            i += 1
            guard byte == UInt8(ascii: "\\") else { unescaped.append(byte); continue }
            guard i < field.count else { return nil }
            switch field[i] {
            case UInt8(ascii: "t"): unescaped.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "n"): unescaped.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "\\"): unescaped.append(UInt8(ascii: "\\"))
            default: return nil
            }
            i += 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    /// A 64-hex-digit field. Checks the length without scanning for the tab.
    @inline(__always)
    mutating func digest() -> Digest? {
        guard !isAtEnd, end - cursor >= 64 else { return nil }
        let start = cursor
        if start + 64 == end {
            isAtEnd = true
            cursor = end
        } else if start[64] == UInt8(ascii: "\t") {
            cursor = start + 65
        } else {
            return nil
        }
        return Digest.parse(hex: start)
    }

    /// The next field as a digest if it is exactly 64 lowercase hex digits; otherwise nil,
    /// and the field is left unread.
    @inline(__always)
    mutating func lowercaseDigest() -> Digest? {
        guard !isAtEnd, end - cursor >= 64, cursor + 64 == end || cursor[64] == UInt8(ascii: "\t"),
              let digest = Digest.parse(hex: cursor, lowercaseOnly: true)
        else { return nil }
        if cursor + 64 == end {
            isAtEnd = true
            cursor = end
        } else {
            cursor += 65
        }
        return digest
    }

    /// A decimal field, optionally negative.
    @inline(__always)
    mutating func int64() -> Int64? {
        guard !isAtEnd, cursor < end else { return nil }
        if cursor.pointee == UInt8(ascii: "-") {
            let saved = cursor
            cursor += 1
            guard let magnitude = unsigned(radix: 10), magnitude <= UInt64(Int64.max) + 1 else {
                cursor = saved
                return nil
            }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard let value = unsigned(radix: 10), value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    /// An unsigned decimal field.
    @inline(__always)
    mutating func uint64() -> UInt64? {
        guard !isAtEnd else { return nil }
        return unsigned(radix: 10)
    }

    /// An octal field that fits 32 bits.
    mutating func octal() -> UInt32? {
        guard !isAtEnd else { return nil }
        return unsigned(radix: 8).flatMap { UInt32(exactly: $0) }
    }

    /// A count of items that follow; bounded by what the rest of the line could hold, so
    /// that a corrupt count cannot make the reader reserve gigabytes.
    mutating func count() -> Int? {
        guard let value = uint64(), value <= UInt64(end - cursor) else { return nil }
        return Int(value)
    }

    /// Digits up to the next tab or the end of the line; nil if there are none, if
    /// anything else follows them, or if the value overflows. Reads the digits directly
    /// rather than looking for the tab first: numbers are short.
    @inline(__always)
    private mutating func unsigned(radix: UInt64) -> UInt64? {
        var p = cursor
        var value: UInt64 = 0
        // Timestamps have 19 digits: take them eight at a time while they last.
        if radix == 10 {
            var chunks = 0
            while chunks < 2, end - p >= 8 {
                let chunk = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
                guard chunk & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030,
                      (chunk &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030
                else { break }
                value = value &* 100_000_000 &+ Self.eightDigits(chunk &- 0x3030_3030_3030_3030)
                p += 8
                chunks += 1
            }
        }
        // Up to this many digits in all cannot overflow: 10^19 - 1 and 8^21 - 1 < 2^64.
        let uncheckedLimit = cursor + min(radix == 10 ? 19 : 21, end - cursor)
        while p < uncheckedLimit {
            let digit = UInt64(p.pointee &- UInt8(ascii: "0"))
            if digit >= radix { break }
            value = value &* radix &+ digit
            p += 1
        }
        while p < end {
            let digit = UInt64(p.pointee &- UInt8(ascii: "0"))
            if digit >= radix { break }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            p += 1
        }
        guard p > cursor else { return nil }
        if p == end {
            isAtEnd = true
            cursor = end
        } else if p.pointee == UInt8(ascii: "\t") {
            cursor = p + 1
        } else {
            return nil
        }
        return value
    }

    /// The value of eight decimal digits, given as bytes 0...9 with the first digit in the
    /// lowest byte (SWAR: pairs, then quads, then the whole).
    @inline(__always)
    private static func eightDigits(_ digits: UInt64) -> UInt64 {
        let pairs = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs &* 100 &+ (pairs >> 16)) & 0x0000_FFFF_0000_FFFF
        return (quads &* 10_000 &+ (quads >> 32)) & 0xFFFF_FFFF
    }
}
