/// A set of testbed nodes, as the imaging tools (`imaging-load 1-12 fit15-reboot18 ~4-6`),
/// rhubarbe's selector and the cluster world's hostlists (`node[01-50,60]`, as pdsh,
/// ClusterShell, Slurm and xCAT write them) take them.
///
/// Words are applied left to right to a set that starts empty:
/// - a word adds its nodes; a word written `~WORD` removes them instead (removing a node
///   that is not there does nothing), so `1-12 ~4-6` is 1…3, 7…12, and a later word
///   without `~` adds again: `1-12 ~4-6 5` is 1…3, 5, 7…12;
/// - a numbered node is a number, `4` or `004`, or a prefix (`fit`, `reboot` unless other
///   `prefixes` are given) followed by digits, `fit04`;
/// - `a-b` is every numbered node from a to b, each end a numbered node as above
///   (`fit15-reboot18` = 15…18); `a-b-step` takes every step-th (`1-12-3` = 1, 4, 7, 10);
/// - `fit[a:b]` and `fit[a:b:step]` are the same ranges written as in inventories
///   (`fit[01:37]`, `[1:3]`, `reboot[1:12:3]`);
/// - any other host name is a node by that name (`cn001`, `pc7.lab.example`);
/// - a hostlist, `PREFIX[RANGES]SUFFIX` with RANGES a comma list of numbers and `a-b`
///   ranges, stands for each name it spells, zero padding kept (`node[01-03,10]` is
///   node01, node02, node03, node10; `rack[1-2]-n[1-2]` four names); each name is then
///   taken as a word (`fit[01-03]` is the numbered nodes 1…3);
/// - node numbers go from 1 to 9999, a range never goes down (`12-3` is an error) and a
///   step is at least 1. A word that starts with a digit and holds a `-` is a range.
///
/// The result is a set: numbered nodes ascending, named ones in natural order, whatever
/// the order of the words. Any other word is an error naming it (``ParseError``) rather
/// than being ignored. No words at all is the empty set.
public struct NodeSpec: Hashable, Sendable, CustomStringConvertible {
    /// Numbered nodes, ascending, each once.
    public var nodes: [Int]
    /// Nodes named otherwise, in natural order (`cn2` before `cn10`), each once.
    public var hostNames: [String]

    /// The host-name prefixes stripped from node words by default.
    public static let defaultPrefixes = ["fit", "reboot"]

    /// The largest node number accepted.
    public static let maximumNode = 9999

    /// The most names one hostlist word may spell.
    public static let maximumExpansion = 100_000

    /// The given numbered nodes, sorted, each once.
    public init<S: Sequence>(nodes: S) where S.Element == Int {
        self.nodes = Array(Set(nodes)).sorted()
        self.hostNames = []
    }

    /// Applies `words` left to right as described on the type.
    public init(words: [String], prefixes: [String] = NodeSpec.defaultPrefixes) throws(NodeSpec.ParseError) {
        var numbers = Set<Int>()
        var names = Set<String>()
        for word in words {
            let parsed = try NodeSpec.parse(word: word, prefixes: prefixes)
            if parsed.excludes {
                numbers.subtract(parsed.nodes)
                names.subtract(parsed.names)
            } else {
                numbers.formUnion(parsed.nodes)
                names.formUnion(parsed.names)
            }
        }
        self.nodes = numbers.sorted()
        self.hostNames = names.sorted(by: NodeSpec.naturallyPrecedes)
    }

    /// The words of `text`, split on blanks (spaces, tabs, newlines), as in `NODES`.
    public init(_ text: String, prefixes: [String] = NodeSpec.defaultPrefixes) throws(NodeSpec.ParseError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        try self.init(words: words.map(String.init), prefixes: prefixes)
    }

    public var isEmpty: Bool { nodes.isEmpty && hostNames.isEmpty }

    /// Node names as the testbed calls them, in natural order: numbered nodes as
    /// `prefix` and at least `digits` digits (`fit01`, `fit37`, `fit100`), named ones as
    /// they are.
    public func names(prefix: String = "fit", digits: Int = 2) -> [String] {
        let numbered = nodes.map { node -> String in
            let text = String(node)
            return prefix + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return (numbered + hostNames).sorted(by: NodeSpec.naturallyPrecedes)
    }

    /// The nodes in a short form this type parses back: `1-3 7-12 15-18 cn001 pc7`.
    public var description: String {
        var words: [String] = []
        var index = 0
        while index < nodes.count {
            var last = index
            while last + 1 < nodes.count && nodes[last + 1] == nodes[last] + 1 { last += 1 }
            words.append(last == index ? "\(nodes[index])" : "\(nodes[index])-\(nodes[last])")
            index = last + 1
        }
        return (words + hostNames).joined(separator: " ")
    }

    /// Natural order: runs of digits compare by value (`cn2` < `cn10`), the rest by bytes.
    public static func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
        let x = runs(a), y = runs(b)
        for (p, q) in zip(x, y) where p != q {
            if let m = Int(p), let n = Int(q), m != n { return m < n }
            return p.utf8.lexicographicallyPrecedes(q.utf8)
        }
        return x.count != y.count ? x.count < y.count : a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func runs(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if next < text.endIndex && text[index].isASCIIDigit != text[next].isASCIIDigit {
                result.append(text[start..<next])
                start = next
            }
            index = next
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
