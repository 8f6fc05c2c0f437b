extension NodeSpec {
    /// One word's nodes, and whether it removes them (`~`) rather than adding them.
    static func parse(word: String, prefixes: [String]) throws(ParseError) -> (excludes: Bool, nodes: [Int], names: [String]) {
        var body = Substring(word)
        let excludes = body.first == "~"
        if excludes {
            body = body.dropFirst()
            if body.isEmpty {
                throw ParseError(word: word, reason: "'~' must be attached to the nodes it excludes, as in ~4-6")
            }
        }
        if body.contains("[") || body.contains("]") {
            if body.contains(":") {
                return (excludes, try inventoryRange(body, word: word, prefixes: prefixes), [])
            }
            var numbers: [Int] = [], names: [String] = []
            for spelled in try hostlist(body, word: word) {
                if let node = node(Substring(spelled), prefixes: prefixes) {
                    numbers.append(try checked(node, word: word))
                } else if isHostName(spelled) {
                    names.append(spelled)
                } else {
                    throw malformed(word, prefixes: prefixes)
                }
            }
            return (excludes, numbers, names)
        }
        if let numbers = try numbered(body, word: word, prefixes: prefixes) { return (excludes, numbers, []) }
        guard isHostName(body) else { throw malformed(word, prefixes: prefixes) }
        return (excludes, [], [String(body)])
    }

    /// A numbered node or a range of them; nil when the word is neither (a host name).
    private static func numbered(_ body: Substring, word: String, prefixes: [String]) throws(ParseError) -> [Int]? {
        // The whole word first: a prefix may hold a '-' (`NODE_PREFIX = graphene-`).
        if let single = node(body, prefixes: prefixes) { return [try checked(single, word: word)] }
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        let first = node(parts[0], prefixes: prefixes)
        // A word that starts with a digit and holds a '-' can only be a range.
        let mustBeRange = parts.count > 1 && body.first?.isASCIIDigit == true
        guard let first, parts.count <= 3 else {
            if mustBeRange { throw malformed(word, prefixes: prefixes) }
            return nil
        }
        if parts.count == 1 { return [try checked(first, word: word)] }
        guard let last = node(parts[1], prefixes: prefixes) else {
            if mustBeRange { throw malformed(word, prefixes: prefixes) }
            return nil
        }
        var step = 1
        if parts.count == 3 {
            guard let s = number(parts[2]) else { throw malformed(word, prefixes: prefixes) }
            step = s
        }
        return try range(first, last, step: step, word: word)
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

    /// The names a hostlist word spells: `node[01-03,10]`, `rack[1-2]-n[1-2]`.
    private static func hostlist(_ body: Substring, word: String) throws(ParseError) -> [String] {
        let expected = ParseError(word: word, reason: "expected a hostlist such as node[01-50,60] or cn[001-128]")
        var names = [""]
        var rest = body
        while !rest.isEmpty {
            guard let open = rest.firstIndex(of: "[") else {
                guard !rest.contains("]") else { throw expected }
                names = names.map { $0 + rest }
                break
            }
            let literal = rest[..<open]
            guard !literal.contains("]"), let close = rest[open...].firstIndex(of: "]") else { throw expected }
            var spelled: [String] = []
            for item in rest[rest.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false) {
                let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, bounds.allSatisfy({ $0.count <= 9 }),
                      let low = number(bounds[0], upTo: Int.max), let high = number(bounds.last!, upTo: Int.max) else { throw expected }
                guard low <= high else { throw ParseError(word: word, reason: "range goes down from \(low) to \(high)") }
                // Zero padding as the first bound writes it: node[01-10] gives node01 … node10.
                let width = bounds[0].hasPrefix("0") ? bounds[0].count : 0
                for n in low...high {
                    let text = String(n)
                    spelled.append(String(repeating: "0", count: max(0, width - text.count)) + text)
                    if spelled.count > maximumExpansion { throw ParseError(word: word, reason: "spells more than \(maximumExpansion) names") }
                }
            }
            // Checked before the names are made: `n[1-1000]x[1-100000]` must not build 10^8 strings.
            let (total, overflow) = names.count.multipliedReportingOverflow(by: spelled.count)
            if overflow || total > maximumExpansion { throw ParseError(word: word, reason: "spells more than \(maximumExpansion) names") }
            names = names.flatMap { name in spelled.map { name + literal + $0 } }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// A host name as DNS and /etc/hosts take it: letters, digits, `-`, `_` and `.`,
    /// neither starting nor ending with `-` or `.`, no empty label.
    static func isHostName(_ text: some StringProtocol) -> Bool {
        guard let first = text.first, let last = text.last, first != "-", first != ".", last != "-", last != "." else {
            return false
        }
        return !text.contains("..") && text.allSatisfy { c in
            c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".")
        }
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

    /// ASCII digits; values past `limit` (by default `maximumNode`) come back as
    /// `limit + 1` rather than overflowing.
    private static func number(_ text: Substring, upTo limit: Int = maximumNode) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for ch in text.utf8 {
            guard ch >= UInt8(ascii: "0") && ch <= UInt8(ascii: "9") else { return nil }
            value = min(value * 10 + Int(ch - UInt8(ascii: "0")), limit == Int.max ? Int.max / 10 : limit + 1)
        }
        return value
    }

    private static func malformed(_ word: String, prefixes: [String]) -> ParseError {
        let named = prefixes.map { "\($0)NN, " }.joined()
        return ParseError(word: word, reason: "expected a node number, \(named)a range a-b[-step], a host name, a hostlist such as node[01-50,60], or ~ to exclude")
    }
}
