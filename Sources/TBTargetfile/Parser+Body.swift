extension Parser {
    /// Parses one body line: a keyword and its arguments.
    static func bodyStatement(_ text: Substring, at loc: SourceLocation) throws(TargetfileError) -> LocatedStatement {
        let (keyword, restPart) = text.splitFirstWord()
        let rest = restPart?.text ?? ""
        let restLoc = loc.advanced(by: restPart?.offset ?? keyword.utf8.count)
        func needsArgument() throws(TargetfileError) {
            if rest.isEmpty { throw TargetfileError(loc, "'\(keyword)' needs an argument") }
        }
        func single() throws(TargetfileError) -> Template {
            try needsArgument()
            let words = try Parser.words(rest, from: 0, at: restLoc)
            guard words.count == 1 else {
                throw TargetfileError(restLoc, "'\(keyword)' takes one argument, found \(words.count)")
            }
            return words[0]
        }
        func durationArgument() throws(TargetfileError) -> Double {
            try needsArgument()
            guard let seconds = Parser.duration(rest) else {
                throw TargetfileError(restLoc, "invalid duration '\(rest)': expected a number with an optional unit, as in 90s, 5m, 1h")
            }
            return seconds
        }
        /// Digits only, within `range`; `what` and `expected` word the error.
        func wholeNumber(in range: ClosedRange<Int>, _ what: String, expected: String) throws(TargetfileError) -> Int {
            try needsArgument()
            guard rest.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(rest), range.contains(n) else {
                throw TargetfileError(restLoc, "invalid \(what) '\(rest)': expected \(expected)")
            }
            return n
        }
        let statement: BodyStatement
        switch keyword {
        case "host":
            statement = .host(try single())
        case "out":
            try needsArgument()
            statement = .out(try Parser.words(rest, from: 0, at: restLoc))
        case "state":
            statement = .state(try single())
        case "always", "nocache":
            guard rest.isEmpty else { throw TargetfileError(restLoc, "'\(keyword)' takes no argument") }
            statement = keyword == "always" ? .always : .nocache
        case "timeout":
            statement = .timeout(try durationArgument())
        case "retry":
            statement = .retry(try wholeNumber(in: 0...1000, "retry count", expected: "a whole number up to 1000"))
        case "env":
            try needsArgument()
            guard let eq = rest.firstIndex(of: "="), !rest[..<eq].isEmpty,
                  let first = rest.utf8.first, !(0x30...0x39).contains(first),
                  rest[..<eq].utf8.allSatisfy({ Lexer.isNameByte($0) && $0 != UInt8(ascii: "-") }) else {
                throw TargetfileError(restLoc, "expected 'env NAME=VALUE'")
            }
            let offset = rest.utf8.distance(from: rest.startIndex, to: rest.index(after: eq))
            statement = .env(name: String(rest[..<eq]), value: try Template.parse(rest[rest.index(after: eq)...], at: restLoc.advanced(by: offset)))
        case "run":
            try needsArgument()
            statement = .run(try Template.parse(rest, at: restLoc))
        case "put", "get":
            try needsArgument()
            guard let arrow = rest.firstRange(of: " -> ") else {
                throw TargetfileError(restLoc, "expected '\(keyword) SOURCE -> DESTINATION'")
            }
            let from = rest[..<arrow.lowerBound].trimmingBlanks()
            let to = rest[arrow.upperBound...].trimmingBlanks()
            guard !from.isEmpty, !to.isEmpty else {
                throw TargetfileError(restLoc, "expected '\(keyword) SOURCE -> DESTINATION'")
            }
            let source = try Template.parse(from, at: restLoc)
            let destination = try Template.parse(to, at: restLoc.advanced(by: rest.utf8.distance(from: rest.startIndex, to: to.startIndex)))
            statement = keyword == "put" ? .put(from: source, to: destination) : .get(from: source, to: destination)
        case "pack", "unpack":
            try needsArgument()
            guard let arrow = rest.firstRange(of: " -> ") else {
                throw TargetfileError(restLoc, keyword == "pack" ? "expected 'pack ROOT PATH... -> ARCHIVE MANIFEST'"
                                                                 : "expected 'unpack ARCHIVE MANIFEST -> DIRECTORY'")
            }
            let toOffset = rest.utf8.distance(from: rest.startIndex, to: arrow.upperBound)
            let sources = try Parser.words(rest[..<arrow.lowerBound], from: 0, at: restLoc)
            let destinations = try Parser.words(rest[arrow.upperBound...], from: 0, at: restLoc.advanced(by: toOffset))
            if keyword == "pack" {
                guard sources.count >= 2, !destinations.isEmpty else {
                    throw TargetfileError(restLoc, "expected 'pack ROOT PATH... -> ARCHIVE MANIFEST'")
                }
                statement = .pack(root: sources[0], paths: Array(sources.dropFirst()), to: destinations)
            } else {
                guard !sources.isEmpty, destinations.count == 1 else {
                    throw TargetfileError(restLoc, "expected 'unpack ARCHIVE MANIFEST -> DIRECTORY'")
                }
                statement = .unpack(from: sources, to: destinations[0])
            }
        case "exclude":
            try needsArgument()
            statement = .exclude(try Parser.words(rest, from: 0, at: restLoc))
        case "foreach":
            try needsArgument()
            let (variable, restPart) = rest.splitFirstWord()
            guard !variable.isEmpty, variable.utf8.allSatisfy(Lexer.isNameByte), let inPart = restPart,
                  inPart.text.hasPrefix("in ") || inPart.text == "in" else {
                throw TargetfileError(restLoc, "expected 'foreach NAME in NODES'")
            }
            let specText = inPart.text.dropFirst(2).trimmingBlanks()
            guard !specText.isEmpty else { throw TargetfileError(restLoc, "expected nodes after 'foreach \(variable) in'") }
            let specOffset = inPart.offset + inPart.text.utf8.count - specText.utf8.count
            statement = .foreach(variable: String(variable), nodes: try Template.parse(specText, at: restLoc.advanced(by: specOffset)))
        case "wait":
            statement = .wait(try durationArgument())
        case "pool":
            try needsArgument()
            guard rest.utf8.allSatisfy(Lexer.isNameByte) else {
                throw TargetfileError(restLoc, "invalid pool name '\(rest)'")
            }
            statement = .pool(String(rest))
        case "parallel":
            statement = .parallel(try wholeNumber(in: 1...10000, "parallel limit", expected: "a whole number from 1"))
        case "steps":
            try needsArgument()
            statement = .steps(try Parser.words(rest, from: 0, at: restLoc))
        case "use":
            try needsArgument()
            let (rule, bindingsPart) = rest.splitFirstWord()
            guard rule.utf8.allSatisfy(Lexer.isNameByte) else {
                throw TargetfileError(restLoc, "invalid rule name '\(rule)'")
            }
            var bindings: [BodyStatement.Binding] = []
            if let part = bindingsPart {
                let partLoc = restLoc.advanced(by: part.offset)
                for word in try Parser.words(part.text, from: 0, at: partLoc) {
                    guard case .literal(let first)? = word.parts.first, let eq = first.firstIndex(of: "="),
                          !first[..<eq].isEmpty, first[..<eq].utf8.allSatisfy(Lexer.isNameByte) else {
                        throw TargetfileError(word.location, "expected NAME=VALUE after 'use \(rule)'")
                    }
                    var valueParts = word.parts
                    let head = String(first[first.index(after: eq)...])
                    if head.isEmpty { valueParts.removeFirst() } else { valueParts[0] = .literal(head) }
                    let nameLength = first.utf8.distance(from: first.startIndex, to: eq) + 1
                    bindings.append(.init(name: String(first[..<eq]),
                                          value: Template(parts: valueParts, location: word.location.advanced(by: nameLength))))
                }
            }
            statement = .use(rule: String(rule), bindings: bindings)
        default:
            throw TargetfileError(loc, "unknown keyword '\(keyword)' (expected \(BodyStatement.keywords.joined(separator: ", ")))")
        }
        return LocatedStatement(statement: statement, location: loc)
    }

    /// `90s`, `5m`, `1h`, `1.5s`, `300` (seconds), `250ms`.
    /// At most 30 days: longer is a typo, and must still fit a deadline.
    static func duration(_ text: Substring) -> Double? {
        guard let seconds = rawDuration(text), seconds <= 30 * 86400 else { return nil }
        return seconds
    }

    private static func rawDuration(_ text: Substring) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite else { return nil }
            return value * factor
        }
        guard let value = Double(text), value > 0, value.isFinite else { return nil }
        return value
    }
}
