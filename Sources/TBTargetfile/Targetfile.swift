/// A loaded Targetfile with its includes followed and its rules taken into targets.
/// Loading checks the syntax and the names the file declares; what depends on the
/// file system or on variables given at run time is checked by the engine.
public struct Targetfile: Sendable {
    /// The path of the main file, as given.
    public var path: String
    public var variables: [String: VariableDefinition]
    public var hosts: [String: HostDeclaration]
    public var rules: [String: RuleDeclaration]
    /// Targets in the order declared.
    public var targets: [TargetSpec]
    /// Index into `targets` by name.
    public var targetIndex: [String: Int]
    /// Variables declared `secret`: their values never appear in logs, `--json`, error
    /// messages or traces.
    public var secrets: Set<String> = []
    /// `lock PATH`: a file tbmake locks for the whole of a run that may run recipes,
    /// so that two runs of the pipeline never overlap.
    public var lock: Template?
    /// `inventory PATH`: a JSON inventory of the testbed's nodes (hostname, ip, mac per
    /// interface), whose fields recipes read as `$(node.control.mac)`.
    public var inventory: Template?
    /// Host declarations whose name holds `*` (`host fit* = local`), in order.
    public var hostPatterns: [HostDeclaration] = []
    /// `pool NAME = N` declarations, by name (`console` is predefined, not listed).
    public var pools: [String: PoolDeclaration] = [:]

    /// The declaration of host `name`: its own, else the first pattern it matches.
    public func host(named name: String) -> HostDeclaration? {
        if let exact = hosts[name] { return exact }
        return hostPatterns.first { Targetfile.matches(pattern: $0.name, name) }
    }

    /// `*` matches any run of characters.
    static func matches(pattern: String, _ name: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == name }
        var rest = Substring(name)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return rest.hasSuffix(part) && rest.count >= part.count }
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    /// The target tbmake runs when none is named: the first one of the main file,
    /// else the first one of any included file.
    public var defaultTarget: String?

    public subscript(target name: String) -> TargetSpec? {
        targetIndex[name].map { targets[$0] }
    }

    /// Loads `path`. `readFile` returns a file's text or nil when it does not exist;
    /// include paths are resolved against the including file's directory.
    public static func load(path: String, readFile: @escaping (String) -> String?) throws(TargetfileError) -> Targetfile {
        guard let source = readFile(path) else {
            throw TargetfileError(SourceLocation(file: path, line: 1, column: 1), "no such Targetfile")
        }
        var loader = Loader(readFile: readFile)
        try loader.load(source: source, path: path)
        return try loader.finish(path: path)
    }

    /// Parses `source` as if read from `path`, with no include allowed to be found.
    public static func parse(_ source: String, path: String = "Targetfile",
                             files: [String: String] = [:]) throws(TargetfileError) -> Targetfile {
        var all = files
        all[path] = source
        return try load(path: path, readFile: { all[$0] })
    }
}
