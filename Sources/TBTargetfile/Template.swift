/// Text with `$(NAME)` references, kept as written and expanded where it is used.
/// `$$` is a literal `$`; any other `$` is kept as is, so shell variables pass through.
public struct Template: Hashable, Sendable, CustomStringConvertible {
    public enum Part: Hashable, Sendable {
        case literal(String)
        /// `$(text)`; `column` is the column of the `$` on the template's line.
        case reference(String, column: Int)
    }

    public var parts: [Part]
    public var location: SourceLocation

    public init(parts: [Part], location: SourceLocation) {
        self.parts = parts
        self.location = location
    }

    /// A template without references.
    public init(literal: String, location: SourceLocation) {
        self.parts = literal.isEmpty ? [] : [.literal(literal)]
        self.location = location
    }

    /// The text when the template holds no reference, else nil.
    public var literalValue: String? {
        var text = ""
        for part in parts {
            guard case .literal(let s) = part else { return nil }
            text += s
        }
        return text
    }

    /// The template as written (with `$$` for literal dollars that precede `(`).
    public var description: String {
        parts.map { part -> String in
            switch part {
            case .literal(let s): return s
            case .reference(let r, _): return "$(\(r))"
            }
        }.joined()
    }

    /// Expands every reference through `resolve`, which receives the reference text
    /// (`version`, `dev-rpm.out`) and its location, and throws for an unknown name.
    public func expand(_ resolve: (String, SourceLocation) throws -> String) rethrows -> String {
        if parts.count == 1, case .literal(let s) = parts[0] { return s }
        var result = ""
        for part in parts {
            switch part {
            case .literal(let s): result += s
            case .reference(let name, let column):
                result += try resolve(name, SourceLocation(file: location.file, line: location.line, column: column))
            }
        }
        return result
    }

    /// Every reference in the template, in order.
    public var references: [(name: String, location: SourceLocation)] {
        parts.compactMap { part in
            guard case .reference(let name, let column) = part else { return nil }
            return (name, SourceLocation(file: location.file, line: location.line, column: column))
        }
    }
}
