import ArgumentParser

/// A size given on the command line or in the environment: a number of bytes, or a
/// number followed by K, M, G or T (powers of 1024; either case): `500`, `64K`, `10G`.
struct ByteSize: Equatable {
    var bytes: Int64

    init(bytes: Int64) { self.bytes = bytes }

    /// nil for anything else: empty, signed, fractional, another suffix, above 2^63-1.
    init?(parsing text: String) {
        var digits = Substring(text)
        var shift: Int64 = 0
        if let last = digits.last, let position = "KMGT".firstIndex(of: Character(last.uppercased())) {
            shift = Int64("KMGT".distance(from: "KMGT".startIndex, to: position) + 1) * 10
            digits.removeLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let number = Int64(digits) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: Int64(1) << shift)
        guard !overflow else { return nil }
        bytes = product
    }

    /// What a size may look like, for error messages.
    static let syntax = "use a number of bytes, or one with K, M, G or T (powers of 1024), e.g. 10G"

    /// `--max-size` and `--cache-max-size`: a bad value is a usage error naming the syntax.
    static func parseArgument(_ text: String) throws -> ByteSize {
        guard let size = ByteSize(parsing: text) else { throw ValidationError(syntax) }
        return size
    }

    /// `12 bytes`, or the exact count and a rounded binary unit: `1234567 bytes (1.2 MiB)`.
    static func describe(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var index = 0
        var unit = 1024.0
        while index + 1 < units.count, Double(bytes) >= unit * 1024 { unit *= 1024; index += 1 }
        var tenths = Int64((Double(bytes) / unit * 10).rounded())
        if tenths >= 10240, index + 1 < units.count { tenths = Int64((Double(bytes) / (unit * 1024) * 10).rounded()); index += 1 }
        return "\(bytes) bytes (\(tenths / 10).\(tenths % 10) \(units[index]))"
    }
}
