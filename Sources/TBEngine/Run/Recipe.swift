/// A target's recipe with every variable expanded: what a host is asked to do.
public struct Recipe: Sendable {
    public enum Step: Sendable, CustomStringConvertible {
        case run(String)
        case put(from: String, to: String)
        case get(from: String, to: String)
        /// A snapshot of `paths` under `root`, written as `archive` and `manifest`;
        /// `formatName` is the archive's final name, whose extension says the format.
        case pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String, formatName: String)
        case unpack(archive: String, manifest: String, destination: String)

        public var description: String {
            switch self {
            case .run(let command): return command
            case .put(let from, let to): return "put \(from) -> \(to)"
            case .get(let from, let to): return "get \(from) -> \(to)"
            case .pack(let root, let paths, _, let archive, let manifest, _):
                return "pack \(root) \(paths.joined(separator: " ")) -> \(archive) \(manifest)"
            case .unpack(let archive, let manifest, let destination): return "unpack \(archive) \(manifest) -> \(destination)"
            }
        }
    }

    public var steps: [Step]
    /// In the `console` pool: `run` steps get tbmake's terminal, and their output is not
    /// captured.
    public var console = false
    public var environment: [(name: String, value: String)]
    /// Seconds for one attempt.
    public var timeout: Double?
    /// Further attempts after a failure.
    public var retry: Int

    /// The text that goes into the key: steps, environment, outs and state, in a form
    /// where no two different recipes read the same.
    func canonicalText(outs: [String], state: String?) -> String {
        var text = ""
        for step in steps {
            switch step {
            case .run(let c): text += "run\u{0}\(c)\u{1}"
            case .put(let f, let t): text += "put\u{0}\(f)\u{0}\(t)\u{1}"
            case .get(let f, let t): text += "get\u{0}\(f)\u{0}\(t)\u{1}"
            case .pack(let root, let paths, let excludes, let archive, let manifest, _):
                text += "pack\u{0}\(root)\u{0}\(paths.joined(separator: "\u{0}"))\u{2}\(excludes.joined(separator: "\u{0}"))\u{2}\(archive)\u{0}\(manifest)\u{1}"
            case .unpack(let archive, let manifest, let destination):
                text += "unpack\u{0}\(archive)\u{0}\(manifest)\u{0}\(destination)\u{1}"
            }
        }
        for (name, value) in environment { text += "env\u{0}\(name)\u{0}\(value)\u{1}" }
        for out in outs { text += "out\u{0}\(out)\u{1}" }
        if let state { text += "state\u{0}\(state)\u{1}" }
        return text
    }
}
