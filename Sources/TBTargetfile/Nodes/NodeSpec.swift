/// A set of testbed nodes, ascending and without duplicates, as the imaging tools
/// (`imaging-load 1-12 fit15-reboot18 ~4-6`) and rhubarbe's selector take them on
/// their command line or in `NODES`.
///
/// Words are applied left to right to a set that starts empty:
/// - a word adds its nodes; a word written `~WORD` removes them instead (removing a node
///   that is not there does nothing), so `1-12 ~4-6` is 1…3, 7…12, and a later word
///   without `~` adds again: `1-12 ~4-6 5` is 1…3, 5, 7…12;
/// - a node is a number, `4` or `004`, or a host name, `fit04` or `reboot04`: a prefix
///   (`fit`, `reboot` unless other `prefixes` are given) followed by digits;
/// - `a-b` is every node from a to b, each end a node as above (`fit15-reboot18` = 15…18);
///   `a-b-step` takes every step-th (`1-12-3` = 1, 4, 7, 10);
/// - `fit[a:b]` and `fit[a:b:step]` are the same ranges written as in inventories
///   (`fit[01:37]`, `[1:3]`, `reboot[1:12:3]`), and may be excluded too (`~fit[04:06]`);
/// - node numbers go from 1 to 9999, a range never goes down (`12-3` is an error)
///   and a step is at least 1.
///
/// The result is a set: its order is ascending whatever the order of the words, as the
/// tools that consume it work on each node independently. Any other word is an error
/// naming it (``ParseError``) rather than being ignored, so that `iload fedora-21`, with
/// its `-i` forgotten, stops before touching a node. No words at all is the empty set.
public struct NodeSpec: Hashable, Sendable, CustomStringConvertible {
    /// Node numbers, ascending, each once.
    public var nodes: [Int]

    /// The host-name prefixes stripped from node words by default.
    public static let defaultPrefixes = ["fit", "reboot"]

    /// The largest node number accepted.
    public static let maximumNode = 9999

    /// The given nodes, sorted, each once.
    public init<S: Sequence>(nodes: S) where S.Element == Int {
        self.nodes = Array(Set(nodes)).sorted()
    }

    /// Applies `words` left to right as described on the type.
    public init(words: [String], prefixes: [String] = NodeSpec.defaultPrefixes) throws(NodeSpec.ParseError) {
        var set = Set<Int>()
        for word in words {
            let parsed = try NodeSpec.parse(word: word, prefixes: prefixes)
            if parsed.excludes {
                set.subtract(parsed.nodes)
            } else {
                set.formUnion(parsed.nodes)
            }
        }
        self.nodes = set.sorted()
    }

    /// The words of `text`, split on blanks (spaces, tabs, newlines), as in `NODES`.
    public init(_ text: String, prefixes: [String] = NodeSpec.defaultPrefixes) throws(NodeSpec.ParseError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        try self.init(words: words.map(String.init), prefixes: prefixes)
    }

    public var isEmpty: Bool { nodes.isEmpty }

    /// Node names as the testbed calls them: `fit01`, `fit37`, `fit100` (at least two digits).
    public func names(prefix: String = "fit") -> [String] {
        nodes.map { node in
            let digits = String(node)
            return prefix + (digits.count < 2 ? "0" + digits : digits)
        }
    }

    /// The nodes in the shortest form this type parses back: `1-3 7-12 15-18`.
    public var description: String {
        var words: [String] = []
        var index = 0
        while index < nodes.count {
            var last = index
            while last + 1 < nodes.count && nodes[last + 1] == nodes[last] + 1 { last += 1 }
            words.append(last == index ? "\(nodes[index])" : "\(nodes[index])-\(nodes[last])")
            index = last + 1
        }
        return words.joined(separator: " ")
    }
}
