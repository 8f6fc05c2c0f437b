/// A test fixture that could not be set up (a program missing or failing), in words.
public struct TestProcessError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
