/// Writes the SSH wire encoding.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func uint32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func string(_ value: [UInt8]) {
        uint32(UInt32(value.count))
        bytes += value
    }

    /// A non-negative integer given big-endian: leading zeros dropped, one zero byte
    /// added when the top bit is set (so it does not read as negative).
    mutating func mpint(_ magnitude: [UInt8]) {
        var digits = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = digits.first, first & 0x80 != 0 { digits.insert(0, at: 0) }
        string(digits)
    }
}
