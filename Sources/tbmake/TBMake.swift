import ArgumentParser
import TBTargetfile

/// The command line: make's flags, targets and `NAME=value` arguments.
struct TBMake: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tbmake",
        abstract: "Make for testbeds: run what is out of date, decided by content hashes.",
        discussion: """
        tbmake reads a Targetfile (see docs/targetfile.md), decides for every target
        whether it must run — from SHA-256 digests of its inputs, its expanded recipe,
        its host and its dependencies' outputs, never from mtimes — and runs only what
        must run, locally or on the hosts the Targetfile declares.

        With no target, tbmake runs the first target of the Targetfile. Arguments of
        the form NAME=value set variables and override the Targetfile and the
        environment.

        Examples:
          tbmake prod-install              run what is out of date, then prod-install
          tbmake -n bonding-node           say what would run, and why; touch nothing
          tbmake prod-install version=1.1  override a variable for this run
          tbmake --json all                one JSON event per line, for scripts

        Every real run that does something writes .tbmake/report.html (the run as a
        self-contained page);
        `tbmake report [RUN]` writes it again from the records of the last runs.

        Shell completion of options and target names:
        tbmake --generate-completion-script bash|zsh (see README).

        `tbmake cache stats|verify|gc` (cache as the first argument) inspects, checks
        and trims the artifact cache: see tbmake cache --help. To build a target named
        cache, write `tbmake -- cache`.

        Exit status: 0 when every asked target is up to date or succeeded, 1 when a
        target failed (or, with -q, when something is out of date), 2 for a usage or
        Targetfile error.
        """,
        version: version
    )

    @Argument(help: ArgumentHelp("Targets to bring up to date, and NAME=value variables.", valueName: "target|NAME=value"),
              completion: .custom(TBMake.targetNames))
    var arguments: [String] = []

    /// Shell completion: the targets of the Targetfile (`-f FILE`, `-C DIR` as given).
    static func targetNames(_ words: [String]) -> [String] {
        func value(_ options: [String]) -> String? {
            guard let i = words.lastIndex(where: options.contains), i + 1 < words.count else { return nil }
            return words[i + 1]
        }
        var file = value(["-f", "--file"]) ?? "Targetfile"
        if let directory = value(["-C", "--directory"]), !file.hasPrefix("/") { file = directory + "/" + file }
        guard let targetfile = try? Targetfile.load(path: file, readFile: { Invocation.readFile($0) }) else { return [] }
        return targetfile.targets.map(\.name)
    }

    @Option(name: .shortAndLong, help: ArgumentHelp("Read FILE as the Targetfile.", valueName: "FILE"))
    var file: String = "Targetfile"

    @Option(name: [.customShort("C"), .customLong("directory")], help: ArgumentHelp("Change to DIR before doing anything.", valueName: "DIR"))
    var directory: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Run N recipes at once on this machine (default: the number of cores); targets on named hosts and fan-outs with 'parallel' are bounded by 'parallel' instead.", valueName: "N"))
    var jobs: Int?

    @Flag(name: [.customShort("k"), .customLong("keep-going")], help: "Keep going after a failure with the targets that do not depend on it.")
    var keepGoing = false

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "Say what would run and why; run nothing and write nothing.")
    var dryRun = false

    @Flag(name: .customLong("offline"), help: "With -n or -q: reach no host; take each host to be as it was at its targets' last run.")
    var offline = false

    @Flag(name: [.customShort("B"), .customLong("always-make")], help: "Run every target needed, up to date or not.")
    var alwaysMake = false

    @Flag(name: [.customShort("q"), .customLong("question")], help: "Run nothing; exit 0 if everything asked is up to date, 1 if not.")
    var question = false

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Keep artifacts in DIR (default: $TBMAKE_CACHE, else cache/ in the project).", valueName: "DIR"))
    var cacheDirectory: String?

    @Option(name: .customLong("cache-max-size"),
            help: ArgumentHelp("After a run that stored outputs, trim the cache to SIZE (bytes, or with K, M, G or T; default: $TBMAKE_CACHE_MAX_SIZE).", valueName: "SIZE"),
            transform: { try ByteSize.parseArgument($0) })
    var cacheMaxSize: ByteSize?

    @Flag(name: .customLong("no-restore"), help: "Run targets instead of restoring their outputs from the cache (outputs are still stored).")
    var noRestore = false

    @Option(name: .customLong("remote-cache"),
            help: ArgumentHelp("Share artifacts through the HTTP cache at URL (Bazel's layout: nginx WebDAV, bazel-remote); default: $TBMAKE_REMOTE_CACHE, else [cache] remote in tbmake.conf.", valueName: "URL"))
    var remoteCache: String?

    @Option(name: .customLong("remote-upload"), help: ArgumentHelp("yes: send what this run stores to the remote cache (default); no: only read from it.", valueName: "yes|no"))
    var remoteUpload: String?

    @Option(name: .customLong("remote-timeout"), help: ArgumentHelp("Give up on the remote cache when connecting or a transfer stalls for DURATION (default: 30s).", valueName: "DURATION"))
    var remoteTimeout: String?

    @Option(name: .customLong("remote-cacert"), help: ArgumentHelp("Trust the CA certificates in FILE for https (default: the system's).", valueName: "FILE"))
    var remoteCACert: String?

    @Option(name: .customLong("remote-header"), help: ArgumentHelp("Send this header with every remote cache and lock request, e.g. 'Authorization: Bearer …' (repeatable; never shown).", valueName: "'NAME: VALUE'"))
    var remoteHeaders: [String] = []

    @Option(name: .customLong("wait-lock"), help: ArgumentHelp("When the Targetfile's lock is held, wait up to DURATION for it (saying who holds it) instead of failing at once.", valueName: "DURATION"))
    var waitLock: String?

    @Option(name: [.customShort("H"), .customLong("host")], help: ArgumentHelp("Reach host NAME (declared in the Targetfile or tbmake.conf) another way for this run: NAME=local, NAME=ssh://USER@ADDRESS:PORT.", valueName: "NAME=SPEC"))
    var hostOverrides: [String] = []

    @Option(name: .customLong("ssh-config"), help: ArgumentHelp("Read OpenSSH client config from FILE (default: ~/.ssh/config), as ssh -F.", valueName: "FILE"))
    var sshConfig: String?

    @Flag(name: [.customShort("a"), .customLong("all")], help: "Add the nodes of ALL_NODES to NODES (tbmake -a load-image NODES='~4': all nodes but 4).")
    var allNodes = false

    @Option(help: ArgumentHelp("Read the testbed's nodes from FILE (JSON), over the Targetfile's 'inventory'.", valueName: "FILE"))
    var inventory: String?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Show every line of recipe output as it comes, prefixed by its target (load-image@fit03 | ...).")
    var verbose = false

    @Flag(help: "Print the reason each target runs.")
    var explain = false

    @Flag(help: "Print one JSON object per line on stdout instead of progress (see docs/events.md).")
    var json = false

    @Option(help: ArgumentHelp("Write the run as a Chrome Trace Event file to FILE (open it in Perfetto or chrome://tracing).", valueName: "FILE"))
    var trace: String?

    @Option(name: .customShort("t"), help: ArgumentHelp("Run a tool instead of building: clean (remove the outputs and state files of the asked targets and their dependencies), forget TARGET... (drop their traces: they run next time), query TARGET (host, dependencies, inputs, outputs, last run, last key).", valueName: "TOOL"),
            completion: .list(Invocation.tools))
    var tool: String?

    @Flag(help: "List the targets with their descriptions.")
    var list = false

    @Flag(help: "Print the graph of the asked targets in Graphviz dot.")
    var graph = false

    @Flag(name: .customLong("validate"), help: "Check the Targetfile and every target's inputs and references; run nothing.")
    var validateOnly = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j needs a positive number, got \(jobs)") }
        if dryRun && question { throw ValidationError("-n and -q cannot be used together") }
        if offline && !dryRun && !question { throw ValidationError("--offline goes with -n or -q: a real run reaches its hosts") }
        if let tool, !Invocation.tools.contains(tool) {
            throw ValidationError("-t \(tool): no such tool (tools: \(Invocation.tools.joined(separator: ", ")))")
        }
        if tool != nil && (dryRun || question) { throw ValidationError("-t cannot be used with -n or -q") }
    }

    /// The targets among `arguments`.
    var targets: [String] { arguments.filter { !$0.contains("=") } }

    /// The `NAME=value` among `arguments`.
    func overrides() throws -> [String: String] {
        var result: [String: String] = [:]
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "=") else { continue }
            let name = String(argument[..<eq])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ValidationError("invalid variable name in '\(argument)'")
            }
            result[name] = String(argument[argument.index(after: eq)...])
        }
        return result
    }
}
