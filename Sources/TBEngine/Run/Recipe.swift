/// A target's recipe with every variable expanded: what a host is asked to do.
public struct Recipe: Sendable {
    public enum Step: Sendable, CustomStringConvertible {
        case run(String)
        case put(from: String, to: String)
        case get(from: String, to: String)

        public var description: String {
            switch self {
            case .run(let command): return command
            case .put(let from, let to): return "put \(from) -> \(to)"
            case .get(let from, let to): return "get \(from) -> \(to)"
            }
        }
    }

    public var steps: [Step]
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
            }
        }
        for (name, value) in environment { text += "env\u{0}\(name)\u{0}\(value)\u{1}" }
        for out in outs { text += "out\u{0}\(out)\u{1}" }
        if let state { text += "state\u{0}\(state)\u{1}" }
        return text
    }
}
