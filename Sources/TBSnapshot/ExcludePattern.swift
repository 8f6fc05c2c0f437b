import TBStore

/// A pattern left out of a snapshot: a `PathPattern` over paths relative to the
/// snapshot's root. `**/initrd*` matches `initrd.img` and `tftpboot/xcat/initrd.img`;
/// `**/rootimg/**` matches a `rootimg` directory anywhere and everything under it.
public struct ExcludePattern: Sendable, Equatable, CustomStringConvertible {
    private let path: PathPattern
    public var pattern: String { path.pattern }

    public init(_ pattern: String) {
        path = PathPattern(pattern)
    }

    public var description: String { pattern }

    public func matches(_ path: String) -> Bool { self.path.matches(path) }
}
