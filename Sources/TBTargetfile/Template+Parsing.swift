extension Template {
    /// Parses `text`, which starts at `location`. Fails on an unterminated `$(` or an
    /// empty or malformed reference.
    public static func parse(_ text: Substring, at location: SourceLocation) throws(TargetfileError) -> Template {
        guard text.utf8.contains(UInt8(ascii: "$")) else {
            return Template(literal: String(text), location: location)
        }
        let bytes = Array(text.utf8)
        var parts: [Part] = []
        var literal: [UInt8] = []
        var i = 0
        func flush() {
            if !literal.isEmpty {
                parts.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll(keepingCapacity: true)
            }
        }
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "$"), i + 1 < bytes.count else {
                literal.append(b); i += 1; continue
            }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "$") {
                literal.append(b); i += 2; continue
            }
            guard next == UInt8(ascii: "(") else {
                literal.append(b); i += 1; continue
            }
            let column = location.column + i
            guard let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: ")")) else {
                throw TargetfileError(location.advanced(by: i), "unterminated '$(' (missing ')')")
            }
            let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
            guard Template.isReference(name) else {
                throw TargetfileError(location.advanced(by: i), "malformed reference '$(\(name))': expected $(NAME) or $(TARGET.KEY)")
            }
            flush()
            parts.append(.reference(name, column: column))
            i = close + 1
        }
        flush()
        return Template(parts: parts, location: location)
    }

    /// `NAME` or `TARGET.KEY[.KEY…]`: letters, digits and `_ - . @ /`, not starting or
    /// ending with `.`; `:raw` may follow (splice a `run` line's value unquoted).
    static func isReference(_ written: String) -> Bool {
        let name = written.hasSuffix(":raw") ? String(written.dropLast(4)) : written
        guard let first = name.utf8.first, let last = name.utf8.last,
              first != UInt8(ascii: "."), last != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy { Lexer.isTargetNameByte($0) }
    }
}
