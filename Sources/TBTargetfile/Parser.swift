/// Parses the logical lines of one file into top-level items. Includes are not followed
/// here (see `Targetfile.load`).
struct Parser {
    private let file: String
    private var items: [TopLevelItem] = []
    /// The item whose body indented lines belong to.
    private var open: Open?
    private var lastComment: (line: Int, text: String)?

    private enum Open {
        case target(TargetDeclaration)
        case rule(RuleDeclaration)
    }

    init(file: String) { self.file = file }

    static func parse(_ source: String, file: String) throws(TargetfileError) -> [TopLevelItem] {
        var parser = Parser(file: file)
        for line in Lexer.lines(of: source, file: file) {
            try parser.consume(line)
        }
        parser.close()
        return parser.items
    }

    private mutating func consume(_ line: LogicalLine) throws(TargetfileError) {
        if let comment = line.comment {
            if !line.indented { lastComment = (line.location.line, comment) }
            return
        }
        if line.indented {
            guard open != nil else {
                throw TargetfileError(line.location, "indented line outside a target or rule body")
            }
            let statement = try Parser.bodyStatement(line.text, at: line.location)
            switch open! {
            case .target(var t): t.body.append(statement); open = .target(t)
            case .rule(var r): r.body.append(statement); open = .rule(r)
            }
            return
        }
        close()
        let comment = lastComment.flatMap { $0.line == line.location.line - 1 ? $0.text : nil }
        lastComment = nil
        try topLevel(line, comment: comment)
    }

    private mutating func close() {
        switch open {
        case .target(let t): items.append(.target(t))
        case .rule(let r): items.append(.rule(r))
        case nil: break
        }
        open = nil
    }

    private mutating func topLevel(_ line: LogicalLine, comment: String?) throws(TargetfileError) {
        let text = line.text
        let loc = line.location
        let (word, rest) = text.splitFirstWord()
        // A keyword followed by ':', '=' or '?=' is the name of a target or a variable
        // (`lock: a`, `lock = /tmp/x`); otherwise it starts a declaration.
        if let rest, !(rest.text.hasPrefix(":") || rest.text.hasPrefix("=") || rest.text.hasPrefix("?=")) {
            switch word {
            case "include":
                items.append(.include(try Template.parse(rest.text, at: loc.advanced(by: rest.offset))))
                return
            case "host":
                items.append(.host(try Parser.hostDeclaration(rest.text, at: loc.advanced(by: rest.offset))))
                return
            case "secret":
                let names = rest.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                for name in names where !name.utf8.allSatisfy(Lexer.isNameByte) {
                    throw TargetfileError(loc.advanced(by: rest.offset), "invalid variable name '\(name)' after 'secret'")
                }
                items.append(.secret(names, loc))
                return
            case "pool":
                items.append(.pool(try Parser.poolDeclaration(rest.text, at: loc.advanced(by: rest.offset))))
                return
            case "lock", "inventory":
                let path = try Template.parse(rest.text, at: loc.advanced(by: rest.offset))
                items.append(word == "lock" ? .lock(path) : .inventory(path))
                return
            case "rule":
                var rule = try Parser.ruleHeader(rest.text, at: loc.advanced(by: rest.offset))
                rule.location = loc   // the `rule` keyword, whatever the blanks after it
                open = .rule(rule)
                return
            default: break
            }
        }
        // NAME = VALUE, NAME ?= VALUE, or TARGET: PREREQUISITES
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count && Lexer.isTargetNameByte(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        var j = i
        while j < bytes.count && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
        guard !name.isEmpty, j < bytes.count else {
            throw TargetfileError(loc.advanced(by: i), "expected a target ('NAME:'), a variable ('NAME = VALUE'), include, host or rule")
        }
        let isAssignment = bytes[j] == UInt8(ascii: "=")
            || (bytes[j] == UInt8(ascii: "?") && j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "="))
        if bytes[j] == UInt8(ascii: ":") {
            let prereqs = try Parser.words(text, from: j + 1, at: loc)
            open = .target(TargetDeclaration(name: name, prerequisites: prereqs, body: [], comment: comment, location: loc))
        } else if isAssignment {
            guard name.utf8.allSatisfy(Lexer.isNameByte) else {
                throw TargetfileError(loc, "invalid variable name '\(name)': use letters, digits, '_' and '-'")
            }
            let isDefault = bytes[j] == UInt8(ascii: "?")
            var v = j + (isDefault ? 2 : 1)
            while v < bytes.count && (bytes[v] == 0x20 || bytes[v] == 0x09) { v += 1 }
            let valueText = Substring(String(decoding: bytes[v...], as: UTF8.self))
            let value = try Template.parse(valueText, at: loc.advanced(by: v))
            items.append(.variable(VariableDefinition(name: name, value: value, isDefault: isDefault, location: loc)))
        } else {
            throw TargetfileError(loc.advanced(by: j), "expected ':' after a target name or '=' after a variable name")
        }
    }

    /// Blank-separated templates of `text` from byte offset `from`. A blank after a
    /// backslash is part of its word (`vm\ images`); the backslash stays in the template,
    /// for `Words` to take away once the word is expanded.
    static func words(_ text: Substring, from: Int, at loc: SourceLocation) throws(TargetfileError) -> [Template] {
        var result: [Template] = []
        let utf8 = text.utf8
        var i = utf8.index(utf8.startIndex, offsetBy: from)
        var offset = from
        while i < utf8.endIndex {
            while i < utf8.endIndex && (utf8[i] == 0x20 || utf8[i] == 0x09) { i = utf8.index(after: i); offset += 1 }
            if i >= utf8.endIndex { break }
            var j = i
            var length = 0
            var escaped = false
            while j < utf8.endIndex && (escaped || (utf8[j] != 0x20 && utf8[j] != 0x09)) {
                escaped = !escaped && utf8[j] == UInt8(ascii: "\\")
                j = utf8.index(after: j); length += 1
            }
            result.append(try Template.parse(text[i..<j], at: loc.advanced(by: offset)))
            i = j
            offset += length
        }
        return result
    }

    /// `NAME = N` after `pool`.
    static func poolDeclaration(_ text: Substring, at loc: SourceLocation) throws(TargetfileError) -> PoolDeclaration {
        guard let eq = text.firstIndex(of: "=") else { throw TargetfileError(loc, "expected 'pool NAME = DEPTH'") }
        let name = String(text[..<eq].trimmingBlanks())
        guard !name.isEmpty, name.utf8.allSatisfy(Lexer.isNameByte) else { throw TargetfileError(loc, "invalid pool name '\(name)'") }
        if name == PoolDeclaration.consoleName {
            throw TargetfileError(loc, "the console pool is predefined (depth 1): declare no pool named console")
        }
        let depthText = text[text.index(after: eq)...].trimmingBlanks()
        let depthLoc = loc.advanced(by: text.utf8.distance(from: text.startIndex, to: depthText.startIndex))
        guard !depthText.isEmpty, depthText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let depth = Int(depthText),
              (1...100_000).contains(depth) else {
            throw TargetfileError(depthLoc, "invalid pool depth '\(depthText)': expected a whole number from 1")
        }
        return PoolDeclaration(name: name, depth: depth, location: loc)
    }

    static func hostDeclaration(_ text: Substring, at loc: SourceLocation) throws(TargetfileError) -> HostDeclaration {
        guard let eq = text.firstIndex(of: "=") else { throw TargetfileError(loc, "expected 'host NAME = local' or 'host NAME = ssh ADDRESS'") }
        let name = String(text[..<eq].trimmingBlanks())
        // A node's host name may be an FQDN (`host pc7.lab.example = ...`, `host *.lab = ...`).
        guard !name.isEmpty, name.utf8.allSatisfy({ Lexer.isNameByte($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: ".") }) else {
            throw TargetfileError(loc, "invalid host name '\(name)'")
        }
        let valueOffset = text.utf8.distance(from: text.startIndex, to: text.index(after: eq))
        let value = text[text.index(after: eq)...]
        let leading = value.utf8.prefix { $0 == 0x20 || $0 == 0x09 }.count
        let spec = value.trimmingBlanks()
        let specLoc = loc.advanced(by: valueOffset + leading)
        let (kind, rest) = spec.splitFirstWord()
        switch kind {
        case "local" where rest == nil:
            return HostDeclaration(name: name, kind: .local, location: loc)
        case "ssh" where rest != nil:
            return HostDeclaration(name: name, kind: .ssh(try Template.parse(rest!.text, at: specLoc.advanced(by: rest!.offset))), location: loc)
        default:
            throw TargetfileError(specLoc, "unknown host kind '\(spec)': expected 'local' or 'ssh [USER@]ADDRESS[:PORT]'")
        }
    }

    static func ruleHeader(_ text: Substring, at loc: SourceLocation) throws(TargetfileError) -> RuleDeclaration {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count && Lexer.isNameByte(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        guard !name.isEmpty else { throw TargetfileError(loc, "expected a rule name after 'rule'") }
        var parameters: [String] = []
        if i < bytes.count && bytes[i] == UInt8(ascii: "(") {
            guard let close = bytes[i...].firstIndex(of: UInt8(ascii: ")")) else {
                throw TargetfileError(loc.advanced(by: i), "missing ')' after rule parameters")
            }
            let list = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
            for raw in list.split(separator: ",", omittingEmptySubsequences: false) where !list.trimmingBlanks().isEmpty {
                let p = String(raw.trimmingBlanks())
                guard !p.isEmpty, p.utf8.allSatisfy(Lexer.isNameByte) else {
                    throw TargetfileError(loc.advanced(by: i + 1), "invalid rule parameter '\(p)'")
                }
                parameters.append(p)
            }
            i = close + 1
        }
        while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
        guard i < bytes.count && bytes[i] == UInt8(ascii: ":") else {
            throw TargetfileError(loc.advanced(by: i), "expected ':' after 'rule \(name)(...)'")
        }
        let prereqs = try words(text, from: i + 1, at: loc)
        return RuleDeclaration(name: name, parameters: parameters, prerequisites: prereqs, body: [], location: loc)
    }
}

extension Substring {
    /// The first blank-separated word and what follows it (nil when nothing does),
    /// with the byte offset where that rest starts.
    func splitFirstWord() -> (Substring, (text: Substring, offset: Int)?) {
        let utf8 = self.utf8
        var blank = utf8.startIndex
        var offset = 0
        while blank < utf8.endIndex && utf8[blank] != 0x20 && utf8[blank] != 0x09 {
            blank = utf8.index(after: blank); offset += 1
        }
        if blank == utf8.endIndex { return (self, nil) }
        var restStart = blank
        while restStart < utf8.endIndex && (utf8[restStart] == 0x20 || utf8[restStart] == 0x09) {
            restStart = utf8.index(after: restStart); offset += 1
        }
        if restStart == utf8.endIndex { return (self[..<blank], nil) }
        return (self[..<blank], (self[restStart...], offset))
    }
}
