import TBTargetfile

/// How `$(…)` values enter a `run` line: never able to break out of their word. The
/// line's own quoting is followed as it is written:
/// - outside quotes, a value is one shell word (single-quoted unless it is made only of
///   characters no shell treats specially);
/// - inside `"…"`, the value's `"`, `\`, `$` and `` ` `` are escaped;
/// - inside `'…'`, the value's `'` closes the quote, is escaped, and reopens it.
/// `$(out)` and `$(DEP.out)` stand for one word per file. `$(NAME:raw)` splices the value
/// as it is, for a variable that holds shell text (`$(CFLAGS:raw)`).
enum ShellSplice {
    private enum Quote { case none, single, double }

    static func expand(_ template: Template, in scope: inout Scope) throws -> String {
        var result = ""
        var quote = Quote.none
        for part in template.parts {
            switch part {
            case .literal(let text):
                result += text
                quote = after(text, from: quote)
            case .reference(let name, let column):
                let location = SourceLocation(file: template.location.file, line: template.location.line, column: column)
                let raw = name.hasSuffix(":raw")
                let value = try scope.resolveReference(raw ? String(name.dropLast(4)) : name, at: location)
                if raw {
                    result += value
                    quote = after(value, from: quote)
                } else if name == "out" || name.hasSuffix(".out") {
                    result += Words.split(value).map { splice($0, in: quote) }.joined(separator: " ")
                } else {
                    result += splice(value, in: quote)
                }
            }
        }
        return result
    }

    /// Every way a value may stand in an expanded `run` line: as it is, as one
    /// (single-quoted) word, inside `'…'`, inside `"…"`.
    static func forms(of value: String) -> [String] {
        [value, splice(value, in: .none), splice(value, in: .single), splice(value, in: .double)]
    }

    private static func splice(_ value: String, in quote: Quote) -> String {
        switch quote {
        case .none:
            if !value.isEmpty && value.unicodeScalars.allSatisfy(isPlain) { return value }
            return "'" + value.replacingAll("'", with: "'\\''") + "'"
        case .single:
            return value.replacingAll("'", with: "'\\''")
        case .double:
            var escaped = ""
            for c in value {
                if c == "\"" || c == "\\" || c == "$" || c == "`" { escaped.append("\\") }
                escaped.append(c)
            }
            return escaped
        }
    }

    /// Characters that mean nothing to a shell: a word of only these needs no quotes.
    private static func isPlain(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
            || "_-./:@%+,=".unicodeScalars.contains(s)
    }

    /// The quoting state after `text`, starting in `quote`.
    private static func after(_ text: String, from quote: Quote) -> Quote {
        var state = quote
        var escaped = false
        for c in text {
            if escaped { escaped = false; continue }
            switch state {
            case .none:
                if c == "\\" { escaped = true } else if c == "'" { state = .single } else if c == "\"" { state = .double }
            case .single:
                if c == "'" { state = .none }
            case .double:
                if c == "\\" { escaped = true } else if c == "\"" { state = .none }
            }
        }
        return state
    }
}

private extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for c in self {
            if c == target { result += replacement } else { result.append(c) }
        }
        return result
    }
}
