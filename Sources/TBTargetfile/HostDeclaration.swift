/// `host NAME = local` or `host NAME = ssh [USER@]ADDRESS[:PORT]`.
public struct HostDeclaration: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A sandbox of the embedded testbed under `.tbmake/hosts/NAME`.
        case local
        /// A machine reached over ssh; the template expands to `[user@]address[:port]`.
        case ssh(Template)
    }

    public var name: String
    public var kind: Kind
    public var location: SourceLocation
}
