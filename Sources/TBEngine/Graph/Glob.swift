import TBStore

/// A file prerequisite with pattern characters (`src/*.c`, `demo/kata/**`): the files
/// under its literal prefix that its `PathPattern` matches.
struct Glob {
    let pattern: PathPattern
    /// The leading components without any pattern character ("" for none): where to look.
    var baseDirectory: String { pattern.literalPrefix }

    init(_ pattern: String) {
        self.pattern = PathPattern(pattern)
    }

    static func isPattern(_ text: String) -> Bool { PathPattern.isPattern(text) }

    func matches(_ path: String) -> Bool { pattern.matches(path) }
}
