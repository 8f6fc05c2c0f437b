/// A glob over relative '/'-separated paths: `*` matches any run of characters within a
/// component, `?` one character within a component, `**` as a whole component any number
/// of components (none included). `**/initrd*` matches `initrd.img` and
/// `tftpboot/xcat/initrd.img`; `**/rootimg/**` matches a `rootimg` directory anywhere
/// and everything under it. There is no escaping and no character classes.
public struct ExcludePattern: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let components: [[UInt8]]

    public init(_ pattern: String) {
        self.pattern = pattern
        components = pattern.split(separator: "/").map { Array($0.utf8) }
    }

    public var description: String { pattern }

    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map { Array($0.utf8) }
        return ExcludePattern.match(components[...], parts[...])
    }

    private static let doubleStar = Array("**".utf8)

    private static func match(_ pattern: ArraySlice<[UInt8]>, _ path: ArraySlice<[UInt8]>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == doubleStar {
            let rest = pattern.dropFirst()
            var p = path
            while true {
                if match(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let component = path.first, matchComponent(first[...], component[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchComponent(_ glob: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        var g = glob.startIndex, n = name.startIndex
        var starG = -1, starN = -1
        while n < name.endIndex {
            if g < glob.endIndex && (glob[g] == UInt8(ascii: "?") || glob[g] == name[n]) && glob[g] != UInt8(ascii: "*") {
                g += 1; n += 1
            } else if g < glob.endIndex && glob[g] == UInt8(ascii: "*") {
                starG = g; starN = n; g += 1
            } else if starG >= 0 {
                g = starG + 1; starN += 1; n = starN
            } else {
                return false
            }
        }
        while g < glob.endIndex && glob[g] == UInt8(ascii: "*") { g += 1 }
        return g == glob.endIndex
    }
}
