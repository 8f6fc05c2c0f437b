extension NodeSpec {
    /// One word's nodes, and whether it removes them (`~`) rather than adding them.
    static func parse(word: String, prefixes: [String]) throws(ParseError) -> (excludes: Bool, nodes: [Int]) {
        var body = Substring(word)
        let excludes = body.first == "~"
        if excludes {
            body = body.dropFirst()
            if body.isEmpty {
                throw ParseError(word: word, reason: "'~' must be attached to the nodes it excludes, as in ~4-6")
            }
        }
        if body.contains("[") || body.contains("]") {
            return (excludes, try inventoryRange(body, word: word, prefixes: prefixes))
        }
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 3, let first = node(parts[0], prefixes: prefixes) else {
            throw malformed(word, prefixes: prefixes)
        }
        if parts.count == 1 {
            return (excludes, [try checked(first, word: word)])
        }
        guard let last = node(parts[1], prefixes: prefixes) else { throw malformed(word, prefixes: prefixes) }
        var step = 1
        if parts.count == 3 {
            guard let s = number(parts[2]) else { throw malformed(word, prefixes: prefixes) }
            step = s
        }
        return (excludes, try range(first, last, step: step, word: word))
    }

    /// `PREFIX[a:b]` or `PREFIX[a:b:step]`, the prefix optional.
    private static func inventoryRange(_ body: Substring, word: String, prefixes: [String]) throws(ParseError) -> [Int] {
        let expected = ParseError(word: word, reason: "expected an inventory range such as fit[01:37] or fit[1:12:3]")
        guard let open = body.firstIndex(of: "["), body.last == "]" else { throw expected }
        let prefix = body[..<open]
        guard prefix.isEmpty || prefixes.contains(String(prefix)) else { throw expected }
        let inside = body[body.index(after: open)..<body.index(before: body.endIndex)]
        let bounds = inside.split(separator: ":", omittingEmptySubsequences: false)
        guard bounds.count == 2 || bounds.count == 3,
              let first = number(bounds[0]), let last = number(bounds[1]) else { throw expected }
        var step = 1
        if bounds.count == 3 {
            guard let s = number(bounds[2]) else { throw expected }
            step = s
        }
        return try range(first, last, step: step, word: word)
    }

    private static func range(_ first: Int, _ last: Int, step: Int, word: String) throws(ParseError) -> [Int] {
        _ = try checked(first, word: word)
        _ = try checked(last, word: word)
        guard first <= last else {
            throw ParseError(word: word, reason: "range goes down from \(first) to \(last)")
        }
        guard step >= 1 else { throw ParseError(word: word, reason: "step must be at least 1") }
        return Array(stride(from: first, through: last, by: step))
    }

    private static func checked(_ node: Int, word: String) throws(ParseError) -> Int {
        if node < 1 { throw ParseError(word: word, reason: "node numbers start at 1") }
        if node > maximumNode { throw ParseError(word: word, reason: "node numbers stop at \(maximumNode)") }
        return node
    }

    /// `4`, `004`, `fit04`, `reboot4`: the longest matching prefix, then digits.
    private static func node(_ text: Substring, prefixes: [String]) -> Int? {
        var digits = text
        var longest = 0
        for prefix in prefixes where prefix.count > longest && text.hasPrefix(prefix) {
            longest = prefix.count
            digits = text.dropFirst(prefix.count)
        }
        return number(digits)
    }

    /// ASCII digits; values past `maximumNode` come back as `maximumNode + 1` rather than overflowing.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for ch in text.utf8 {
            guard ch >= UInt8(ascii: "0") && ch <= UInt8(ascii: "9") else { return nil }
            value = min(value * 10 + Int(ch - UInt8(ascii: "0")), maximumNode + 1)
        }
        return value
    }

    private static func malformed(_ word: String, prefixes: [String]) -> ParseError {
        let named = prefixes.map { "\($0)NN, " }.joined()
        return ParseError(word: word, reason: "expected a node number, \(named)a range a-b[-step] or ~ to exclude")
    }
}
