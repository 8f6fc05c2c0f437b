/// One named part of a target's key, kept in the trace so that a changed key can be
/// explained ("input src/a.c changed").
public struct KeyComponent: Equatable, Sendable {
    /// What the part is: "recipe", "var:version", "in:src/a.c", "dep:dev-rpm", ...
    public var name: String
    /// Its value as text: a digest's hex, or a variable's value.
    public var value: String {
        get { storage.text }
        set { storage = Value(newValue) }
    }

    /// Most values are digests; those are held as 32 bytes rather than a 64-character
    /// string, which keeps loading a large build log cheap.
    var storage: Value

    public init(name: String, value: String) {
        self.name = name
        storage = Value(value)
    }

    /// A component whose value is `digest.hex`.
    public init(name: String, digest: Digest) {
        self.name = name
        storage = .digest(digest)
    }

    /// A value, normalised so that a text of 64 lowercase hex digits is always held as
    /// `.digest`: two values are equal exactly when their texts are.
    enum Value: Equatable, Sendable {
        case text(String)
        case digest(Digest)

        init(_ text: String) {
            if text.utf8.count == 64, let digest = Digest(lowercaseHex: text) {
                self = .digest(digest)
            } else {
                self = .text(text)
            }
        }

        var text: String {
            switch self {
            case .text(let text): return text
            case .digest(let digest): return digest.hex
            }
        }
    }
}
