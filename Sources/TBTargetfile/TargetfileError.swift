import TBStore

/// An error in a Targetfile: always one line, `file:line:col: message`.
/// tbmake exits with status 2 on any of these, before running anything.
public struct TargetfileError: Error, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// One line whatever the message quotes: control characters are escaped.
    public var description: String { printable("\(location): \(message)") }
}
