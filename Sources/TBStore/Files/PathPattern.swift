/// A glob over '/'-separated relative paths: `*` and `?` and `[abc]` (`[a-z]`, `[!x]`)
/// match within one path component, `**` as a whole component matches any number of
/// components, none included: `**/initrd*` matches `initrd.img` and
/// `tftpboot/xcat/initrd.img`; `demo/kata/**` everything under `demo/kata`.
/// Used for file prerequisites and for the excludes of snapshots.
public struct PathPattern: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let components: [Substring]

    public init(_ pattern: String) {
        self.pattern = pattern
        components = pattern.split(separator: "/", omittingEmptySubsequences: true)
    }

    public var description: String { pattern }

    /// Whether `text` holds a pattern character (`*`, `?`, `[`).
    public static func isPattern(_ text: some StringProtocol) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The leading components that hold no pattern character, as a path ("" for none).
    public var literalPrefix: String {
        var base: [Substring] = []
        for c in components {
            if PathPattern.isPattern(c) { break }
            base.append(c)
        }
        return (pattern.hasPrefix("/") ? "/" : "") + base.joined(separator: "/")
    }

    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return PathPattern.match(components[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            var p = path
            while true {
                if match(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let first = path.first, matchComponent(Array(head.utf8)[...], Array(first.utf8)[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// fnmatch-style match of one component; a leading `.` must be matched literally.
    private static func matchComponent(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var pi = p.startIndex, si = s.startIndex
        var starP = -1, starS = -1
        while si < s.endIndex {
            if pi < p.endIndex {
                let c = p[pi]
                if c == UInt8(ascii: "*") { starP = pi; starS = si; pi += 1; continue }
                if c == UInt8(ascii: "?") || c == s[si] { pi += 1; si += 1; continue }
                if c == UInt8(ascii: "["), let (matched, next) = matchClass(p, pi, s[si]) {
                    if matched { pi = next; si += 1; continue }
                }
            }
            if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS; continue
            }
            return false
        }
        while pi < p.endIndex && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.endIndex
    }

    /// `[abc]`, `[a-z]`, `[!x]`: whether `c` matches, and the index after `]`.
    private static func matchClass(_ p: ArraySlice<UInt8>, _ open: Int, _ c: UInt8) -> (Bool, Int)? {
        var i = open + 1
        var negate = false
        if i < p.endIndex && (p[i] == UInt8(ascii: "!") || p[i] == UInt8(ascii: "^")) { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.endIndex && (first || p[i] != UInt8(ascii: "]")) {
            first = false
            if i + 2 < p.endIndex && p[i + 1] == UInt8(ascii: "-") && p[i + 2] != UInt8(ascii: "]") {
                if c >= p[i] && c <= p[i + 2] { matched = true }
                i += 3
            } else {
                if c == p[i] { matched = true }
                i += 1
            }
        }
        guard i < p.endIndex else { return nil }
        return (matched != negate, i + 1)
    }
}
