/// A SHA-256 digest: 32 bytes held as four words, so it is cheap to copy, hash and compare.
///
/// The words hold the bytes in memory order (`withUnsafeBytes` lends back exactly the 32
/// bytes it was made from); they are not big-endian numbers and should not be compared
/// as such.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    /// Copies a digest from `bytes`, which must hold exactly 32 bytes.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "a SHA-256 digest is 32 bytes, got \(bytes.count)")
        w0 = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        guard let parsed = Digest.parse(hex: hex, lowercaseOnly: false) else { return nil }
        self = parsed
    }

    /// Parses 64 lowercase hex digits; nil for anything else, uppercase included.
    public init?(lowercaseHex hex: some StringProtocol) {
        guard let parsed = Digest.parse(hex: hex, lowercaseOnly: true) else { return nil }
        self = parsed
    }

    private static func parse(hex: some StringProtocol, lowercaseOnly: Bool) -> Digest? {
        let parsed: Digest?? = hex.utf8.withContiguousStorageIfAvailable { utf8 in
            utf8.count == 64 ? Digest.parse(hex: utf8.baseAddress!, lowercaseOnly: lowercaseOnly) : nil
        }
        if let parsed { return parsed }
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        return utf8.withUnsafeBufferPointer { Digest.parse(hex: $0.baseAddress!, lowercaseOnly: lowercaseOnly) }
    }

    /// 64 lowercase hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: 64) { out in
            writeHex(to: out.baseAddress!)
            return 64
        }
    }

    /// The first 12 hex digits, enough to tell digests apart in messages.
    public var short: String {
        String(unsafeUninitializedCapacity: 64) { out in
            writeHex(to: out.baseAddress!)
            return 12
        }
    }

    public var description: String { hex }

    /// Lends the 32 bytes of the digest.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0, w1, w2, w3)
        return try Swift.withUnsafeBytes(of: &words) { try body($0) }
    }

    // SHA-256 output is uniformly distributed: one word is as good a hash as four.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0)
    }

    public static func == (a: Digest, b: Digest) -> Bool {
        a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
    }
}

extension Digest {
    /// Writes 64 lowercase hex digits at `out`.
    @inline(__always)
    func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        withUnsafeBytes { bytes in
            for i in 0..<32 {
                let byte = bytes[i]
                out[2 * i] = hexDigitTable[Int(byte >> 4)]
                out[2 * i + 1] = hexDigitTable[Int(byte & 0x0F)]
            }
        }
    }

    /// Parses the 64 hex digits at `p` (the caller checked there are 64 bytes), two
    /// digits per lookup in `hexPairTable`; nil if any byte is not a hex digit, or if
    /// `lowercaseOnly` and any digit is uppercase.
    @inline(__always)
    static func parse(hex p: UnsafePointer<UInt8>, lowercaseOnly: Bool = false) -> Digest? {
        let table = hexPairTable
        let raw = UnsafeRawPointer(p)
        var flags: UInt16 = 0
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            // The digit pair at `offset` is the word's first byte in memory, i.e. its
            // lowest byte read as little-endian.
            var value: UInt64 = 0
            for i in 0..<8 {
                let pair = table[Int(raw.loadUnaligned(fromByteOffset: offset + 2 * i, as: UInt16.self))]
                flags |= pair
                value |= UInt64(truncatingIfNeeded: pair & 0xFF) << (8 * i)
            }
            return value
        }
        let a = word(0), b = word(16), c = word(32), d = word(48)
        guard flags & (lowercaseOnly ? hexPairInvalidOrUppercase : hexPairInvalid) == 0 else { return nil }
        return Digest(littleEndianWords: a, b, c, d)
    }

    @inline(__always)
    init(littleEndianWords a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) {
        w0 = UInt64(littleEndian: a)
        w1 = UInt64(littleEndian: b)
        w2 = UInt64(littleEndian: c)
        w3 = UInt64(littleEndian: d)
    }
}

/// "0123456789abcdef" as bytes.
let hexDigitTable: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
    for (i, c) in "0123456789abcdef".utf8.enumerated() { table[i] = c }
    return UnsafePointer(table)
}()

/// Flag bits of `hexPairTable` entries.
let hexPairInvalid: UInt16 = 0xFE00
let hexPairInvalidOrUppercase: UInt16 = 0xFF00

/// For each two bytes read as a native UInt16 (first byte in memory first): the byte
/// value of the two hex digits in the low 8 bits, plus 0x0100 if either digit is
/// uppercase; 0xFFFF where either byte is not a hex digit.
let hexPairTable: UnsafePointer<UInt16> = {
    var single = [UInt16](repeating: 0xFFFF, count: 256)
    for (i, c) in "0123456789".utf8.enumerated() { single[Int(c)] = UInt16(i) }
    for (i, c) in "abcdef".utf8.enumerated() { single[Int(c)] = UInt16(10 + i) }
    for (i, c) in "ABCDEF".utf8.enumerated() { single[Int(c)] = 0x100 | UInt16(10 + i) }
    let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 65536)
    for raw in 0..<65536 {
        // Two bytes read as a native UInt16: the first byte in memory is the low byte of
        // the little-endian reading.
        let memoryOrder = UInt16(littleEndian: UInt16(raw))
        let first = single[Int(memoryOrder & 0xFF)], second = single[Int(memoryOrder >> 8)]
        table[raw] = first == 0xFFFF || second == 0xFFFF
            ? 0xFFFF
            : (first | second) & 0x100 | (first & 0xF) << 4 | second & 0xF
    }
    return UnsafePointer(table)
}()
