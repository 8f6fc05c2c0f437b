import TBEngine
import TBHosts
import TBStore
import TBTargetfile
#if canImport(Glibc)
import Glibc
#endif

/// One invocation of tbmake after its arguments were parsed: loads the Targetfile,
/// builds the graph, then lists, validates, prints the graph, or runs.
struct Invocation {
    let command: TBMake

    /// Why an invocation ends early; `exitStatus` follows make: 2 for usage and
    /// Targetfile errors, 1 for a failure at run time.
    struct Stop: Error {
        var message: String
        var exitStatus: Int32
    }

    func execute() throws -> Int32 {
        if let directory = command.directory, chdir(directory) != 0 {
            throw Stop(message: "cannot change to directory \(directory): \(String(cString: strerror(errno)))", exitStatus: 2)
        }
        let projectDirectory = Invocation.currentDirectory()
        let readOnly = command.dryRun || command.question || command.graph || command.validateOnly
            || (command.tool != nil && command.tool != "forget")
        // The log is read, and the outputs it knows are stat'ed, on another core while
        // this one parses the Targetfile and builds the graph, which needs no log.
        if command.list {
            printList(try loadTargetfile())
            return 0
        }
        let loading = LogLoader.start(readOnly: readOnly)
        defer { loading.release() }
        let targetfile = try loadTargetfile()
        let config = try loadConfig()
        // Configured variables are defaults under the environment's.
        let environment = config.variables.merging(Invocation.processEnvironment) { _, fromEnvironment in fromEnvironment }
        let given = try command.overrides()
        // From here on, whatever tbmake prints masks the secrets' values.
        Invocation.registerSecrets(of: targetfile, overrides: given, environment: environment, in: Terminal.secrets)
        let requested = command.validateOnly ? targetfile.targets.map(\.name) : try requestedTargets(targetfile)
        let graph: BuildGraph
        do {
            let overrides = try nodeOverrides(targetfile, given, environment)
            graph = try BuildGraph(targetfile: targetfile, requested: requested, overrides: overrides,
                                   environment: environment,
                                   inventory: try loadInventory(targetfile, overrides, environment),
                                   fileSystem: DiskFileSystem(digests: DigestCache()))
        } catch let error as TargetfileError {
            throw Stop(message: error.description, exitStatus: 2)
        } catch let error as EngineError {
            throw Stop(message: error.description, exitStatus: 2)
        }
        let hostSpecs = try self.hostSpecs(targetfile, graph, configured: config.hosts)
        let remoteSettings = try RemoteSettings.resolve(command, config: config.cache)
        let routes: [String: SSHRoute]
        do {
            let sshConfig = try HostTable.sshConfig(path: command.sshConfig)
            routes = try HostTable.routes(for: hostSpecs, sshConfig: sshConfig)
        } catch {
            throw Stop(message: "\(error)", exitStatus: 2)
        }
        let pipelineLock = try pipelineLockPath(targetfile, graph)
        if command.validateOnly {
            Terminal.out("\(command.file): OK, \(targetfile.targets.count) targets\n")
            return 0
        }
        if command.graph {
            Terminal.out(GraphWriter.dot(graph))
            return 0
        }
        if let tool = command.tool {
            let (loadedLog, _) = try loading.wait()
            return try runTool(tool, graph, log: readOnly ? loadedLog : try loading.writable(loadedLog))
        }
        // Checked before anything is written: a usage error leaves the project as it was.
        let setup = RunSetup(hostSpecs: hostSpecs, routes: routes, cache: try openCache(),
                             cacheBound: try CacheSettings.maxSize(option: command.cacheMaxSize),
                             pipelineLock: pipelineLock, remote: remoteSettings, cacheConfig: config.cache)
        let (loadedLog, prefetched) = try loading.wait()
        let digests = DigestCache(entries: loadedLog.fileDigests)
        let fileSystem = DiskFileSystem(digests: digests, prefetched: prefetched)
        let log = readOnly ? loadedLog : try loading.writable(loadedLog)
        return try run(graph, targetfile: targetfile, log: log, fileSystem: fileSystem, digests: digests,
                       projectDirectory: projectDirectory, setup: setup)
    }

    /// What a run needs beyond the graph, settled before it writes anything.
    private struct RunSetup {
        var hostSpecs: [String: HostTable.Spec]
        var routes: [String: SSHRoute]
        var cache: ContentStore
        var cacheBound: ByteSize?
        /// The Targetfile's `lock PATH` or `lock URL`, expanded, with where it is written.
        var pipelineLock: (path: String, location: SourceLocation)?
        /// The remote cache, if one is named.
        var remote: RemoteSettings?
        /// `[cache]` of tbmake.conf: TLS and headers for a `lock URL` too.
        var cacheConfig: [String: String]
    }

    private func run(_ graph: BuildGraph, targetfile: Targetfile, log: BuildLog, fileSystem: DiskFileSystem,
                     digests: DigestCache, projectDirectory: String, setup: RunSetup) throws -> Int32 {
        var options = BuildOptions()
        options.secrets = Terminal.secrets
        if !targetfile.secrets.isEmpty { options.secretKey = try loadSecretKey(create: !(command.dryRun || command.question)) }
        options.jobs = command.jobs ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        options.keepGoing = command.keepGoing
        options.dryRun = command.dryRun || command.question
        options.offline = command.offline
        options.force = command.alwaysMake
        options.restoreFromCache = !command.noRestore
        if !options.dryRun {
            try? fileSystem.createDirectory(".tbmake/logs")
            options.logDirectory = ".tbmake/logs"
        }
        let hosts = HostTable(specs: setup.hostSpecs, projectDirectory: projectDirectory, routes: setup.routes,
                              digests: digests)
        let pipelineLock = options.dryRun ? nil : try setup.pipelineLock.map { try acquirePipelineLock($0, cacheConfig: setup.cacheConfig) }
        defer { withExtendedLifetime(pipelineLock) {} }
        let davLock = pipelineLock as? DAVLock
        if let davLock { InterruptHandler.atStop { davLock.release() } }
        defer { davLock?.release() }
        var guarded: [String: Executor] = [:]
        let executorFor: (String?) -> Executor = { name in
            guard let davLock else { return hosts.executor(for: name) }
            if let existing = guarded[name ?? ""] { return existing }
            let executor = LockGuardedExecutor(hosts.executor(for: name), lock: davLock)
            guarded[name ?? ""] = executor
            return executor
        }
        let human = HumanObserver(dryRun: command.dryRun, explain: command.explain, verbose: command.verbose,
                                  nameWidth: graph.targetNames.map(\.count).max() ?? 0)
        let jsonObserver = command.json ? JSONObserver() : nil
        var observers: [BuildObserver]
        if command.question { observers = [SilentObserver()] } else if let jsonObserver { observers = [jsonObserver] } else { observers = [human] }
        if let trace = command.trace { observers.append(TraceObserver(path: trace)) }
        let recorder = options.dryRun ? nil : RunRecorder()
        if let recorder { observers.append(recorder) }
        let observer: BuildObserver = observers.count == 1 ? observers[0] : TeeObserver(observers)
        let begin = ContinuousClock.now
        let cache = setup.cache
        cache.onWarning { observer.warning($0) }
        let layered = setup.remote.map { settings in
            LayeredArtifactCache(local: cache, remote: RemoteCache(url: settings.url, settings: settings.curl,
                                                                  warn: SerialWarnings(observer).warn),
                                 upload: settings.upload && !options.dryRun)
        }
        let build = Build(graph: graph, options: options, store: log, fileSystem: fileSystem, observer: observer,
                          cache: layered ?? cache, archiver: SnapshotArchiver(), executorFor: executorFor)
        // Freed by the process's exit: tearing down a graph of 10,000 targets object by
        // object costs more than deciding that none of them must run.
        retainedUntilExit.append(contentsOf: [targetfile, graph, log, fileSystem, build, hosts] as [Any])
        let summary: BuildSummary
        do { summary = try build.run() } catch {
            layered?.finishUploads()
            throw Stop(message: "\(error)", exitStatus: 1)
        }
        if let layered {
            layered.finishUploads()
            if !options.dryRun { RemoteStatsLog.append(layered.remote.stats, cache: cache) }
        }
        if !options.dryRun {
            if summary.restored + summary.cacheMisses > 0 {
                try? cache.recordRun(hits: summary.restored, misses: summary.cacheMisses)
            }
            do {
                // A file named after a secret is hashed again next time rather than named in the log.
                try log.append(fileDigests: digests.takeChangedEntries().filter { !Terminal.secrets.appear(in: $0.path) })
                try log.close()
            } catch {
                throw Stop(message: "\(error)", exitStatus: 1)
            }
            if let cacheBound = setup.cacheBound, summary.cacheMisses > 0 {
                trimCache(cache, to: cacheBound, keeping: log, observer: observer)
            }
        }
        let elapsed = ContinuousClock.now - begin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if command.question { return summary.wouldRun > 0 ? 1 : 0 }
        if let jsonObserver { jsonObserver.summary(summary, dryRun: options.dryRun) } else {
            human.summary(summary, seconds: seconds)
        }
        // A run with nothing to do keeps the last report: a no-op stays as cheap as it was.
        if let recorder, summary.ran + summary.restored + summary.failed + summary.blocked > 0 { writeReport(recorder) }
        if let davLock, let reason = davLock.lostReason {
            throw Stop(message: "lost the lock \(RemoteURL.masked(davLock.url)) (\(reason)): no recipe step started after that; the run failed", exitStatus: 1)
        }
        return summary.failed > 0 ? 1 : 0
    }

    /// Keeps the run's record under `.tbmake/runs/` and writes `.tbmake/report.html`;
    /// a failure to is a warning, not the run's.
    private func writeReport(_ recorder: RunRecorder) {
        let history = RunHistory()
        do {
            let record = recorder.record(number: history.nextNumber(), asked: command.targets)
            try history.save(record)
            try ReportCommand.write(number: record.number, history: history)
        } catch let stop as Stop {
            Terminal.err("tbmake: warning: \(printable(stop.message))\n")
        } catch {
            Terminal.err("tbmake: warning: cannot keep the run's record: \(printable("\(error)"))\n")
        }
    }

    /// The artifact cache (see `CacheSettings.root`). Opening it writes nothing;
    /// directories appear with the first object.
    func openCache() throws -> ContentStore {
        try CacheSettings.open(option: command.cacheDirectory)
    }

    /// How each host the graph uses is reached: its declaration, or `-H NAME=SPEC`.
    private func hostSpecs(_ targetfile: Targetfile, _ graph: BuildGraph,
                           configured: [String: String]) throws -> [String: HostTable.Spec] {
        var overrides: [String: HostTable.Spec] = [:]
        for (name, text) in configured {
            do { overrides[name] = try HostTable.parse(text) } catch {
                throw Stop(message: "tbmake.conf: host \(name): \(error)", exitStatus: 2)
            }
        }
        for given in command.hostOverrides {
            guard let eq = given.firstIndex(of: "="), eq != given.startIndex else {
                throw Stop(message: "-H needs NAME=SPEC, got '\(given)'", exitStatus: 2)
            }
            let name = String(given[..<eq])
            // A typo must not leave the declared host in place: `-H prdo=local` would run on prod.
            guard targetfile.host(named: name) != nil || configured[name] != nil else {
                let declared = targetfile.hosts.keys.sorted() + configured.keys.sorted()
                let hint = HostTable.closest(to: name, among: declared).map { " (did you mean '\($0)'?)" } ?? ""
                throw Stop(message: "-H \(given): no host '\(name)' is declared in \(command.file) or tbmake.conf\(hint)",
                           exitStatus: 2)
            }
            do { overrides[name] = try HostTable.parse(String(given[given.index(after: eq)...])) } catch {
                throw Stop(message: "-H \(given): \(error)", exitStatus: 2)
            }
        }
        var specs: [String: HostTable.Spec] = [:]
        for name in graph.hostsUsed {
            if let override = overrides[name] { specs[name] = override; continue }
            guard let declaration = targetfile.host(named: name) else { continue }
            switch declaration.kind {
            case .local: specs[name] = .local
            case .ssh(let template):
                do {
                    // `host fit* = ssh root@$(host)`: a pattern's address names the host matched.
                    specs[name] = try HostTable.parse("ssh " + graph.expandTopLevel(template, locals: ["host": name]))
                } catch let error as HostTable.SpecError {
                    throw Stop(message: "\(template.location): \(error)", exitStatus: 2)
                } catch {
                    throw Stop(message: "\(error)", exitStatus: 2)
                }
            }
        }
        return specs
    }

    /// `-a`: NODES becomes ALL_NODES followed by the NODES given (`NODES='~4'` → all but 4).
    private func nodeOverrides(_ targetfile: Targetfile, _ overrides: [String: String],
                               _ environment: [String: String]) throws -> [String: String] {
        guard command.allNodes else { return overrides }
        let all: String
        if let given = overrides["ALL_NODES"] { all = given } else if let definition = targetfile.variables["ALL_NODES"] {
            all = try BuildGraph.expandTopLevel(definition.value, of: targetfile, overrides: overrides,
                                                environment: environment)
        } else {
            throw Stop(message: "-a needs ALL_NODES: define it in \(command.file) (ALL_NODES ?= 1-37)", exitStatus: 2)
        }
        var result = overrides
        result["NODES"] = [all, overrides["NODES"] ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        return result
    }

    /// `--inventory FILE`, else the Targetfile's `inventory PATH`, else none.
    private func loadInventory(_ targetfile: Targetfile, _ overrides: [String: String],
                               _ environment: [String: String]) throws -> [String: [String: String]] {
        if let given = command.inventory { return try Inventory.load(path: given, writtenAt: nil) }
        guard let template = targetfile.inventory else { return [:] }
        let path = try BuildGraph.expandTopLevel(template, of: targetfile, overrides: overrides, environment: environment)
        return try Inventory.load(path: path, writtenAt: template.location)
    }

    /// The Targetfile's `lock PATH` or `lock URL` expanded (a Targetfile error before anything is written).
    private func pipelineLockPath(_ targetfile: Targetfile, _ graph: BuildGraph) throws -> (path: String, location: SourceLocation)? {
        guard let template = targetfile.lock else { return nil }
        do { return (try graph.expandTopLevel(template), template.location) } catch {
            throw Stop(message: "\(error)", exitStatus: 2)
        }
    }

    /// The pipeline lock — `lock PATH` (a `DirectoryLock`) or `lock URL` (a `DAVLock` on a
    /// WebDAV server) — held until the run ends: a second run of the pipeline fails at
    /// once naming the holder, or with `--wait-lock` waits for it.
    private func acquirePipelineLock(_ lock: (path: String, location: SourceLocation),
                                     cacheConfig: [String: String]) throws -> AnyObject {
        let (path, location) = lock
        var waitSeconds: Double?
        if let text = command.waitLock {
            guard let seconds = DurationText.seconds(text) else {
                throw Stop(message: "--wait-lock '\(text)' is not a duration (30s, 10m)", exitStatus: 2)
            }
            waitSeconds = seconds
        }
        if RemoteURL.isHTTP(path) {
            if let password = RemoteURL.password(of: path) { Terminal.secrets.add(password) }
            let settings = try RemoteSettings.curlSettings(command, config: cacheConfig)
            let shown = RemoteURL.masked(path)
            do {
                return try DAVLock.acquire(url: path, settings: settings, waitSeconds: waitSeconds) { holder in
                    Terminal.err("tbmake: waiting for the lock \(shown), held by \(holder)\n")
                }
            } catch let failure as DAVLock.Failure {
                if let holder = failure.holder {
                    let waited = command.waitLock.map { " after waiting \($0)" } ?? ""
                    throw Stop(message: "the pipeline is already running: \(shown) is locked by \(holder)\(waited) (\(location))", exitStatus: 1)
                }
                throw Stop(message: "cannot lock \(shown): \(failure.message) (\(location))", exitStatus: 1)
            }
        }
        let deadline = waitSeconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var announced: Int32?? = .none
        while true {
            do { return try DirectoryLock.acquire(path: path) } catch let StoreError.locked(_, pid) {
                let holder = pid.map { "process \($0)" } ?? "another process"
                guard let deadline, ContinuousClock.now < deadline else {
                    let waited = command.waitLock.map { " after waiting \($0)" } ?? ""
                    throw Stop(message: "the pipeline is already running: \(path) is locked by \(holder)\(waited) (\(location))", exitStatus: 1)
                }
                if announced != .some(pid) {
                    Terminal.err("tbmake: waiting for the lock \(path), held by \(holder)\n")
                    announced = .some(pid)
                }
                usleep(200_000)
            } catch {
                throw Stop(message: "cannot lock \(path): \(error)", exitStatus: 1)
            }
        }
    }

    /// `/etc/tbmake.conf`, `~/.tbmake.conf`, `./tbmake.conf`, later ones overriding;
    /// `TBMAKE_CONFIG` (colon-separated) replaces that list, e.g. for tests.
    private func loadConfig() throws -> LayeredConfig {
        let paths = Invocation.processEnvironment["TBMAKE_CONFIG"].map { $0.split(separator: ":").map(String.init) }
            ?? LayeredConfig.standardPaths()
        do { return try LayeredConfig.load(paths: paths, readFile: Invocation.readFile) } catch {
            throw Stop(message: "\(error)", exitStatus: 2)
        }
    }

    private func loadTargetfile() throws -> Targetfile {
        let main: String
        do { main = try Invocation.readTargetfile(command.file) } catch let error as StoreError {
            if case .io(_, _, ENOENT) = error {
                throw Stop(message: "no Targetfile: \(command.file) does not exist (use -f FILE or -C DIR)", exitStatus: 2)
            }
            throw Stop(message: "\(error) (use -f FILE or -C DIR)", exitStatus: 2)
        }
        do {
            return try Targetfile.load(path: command.file) { $0 == command.file ? main : Invocation.readFile($0) }
        } catch {
            throw Stop(message: error.description, exitStatus: 2)
        }
    }

    /// The text of the Targetfile at `path`; throws `.io` naming why it cannot be read
    /// (`cannot read Targetfile: Is a directory`).
    static func readTargetfile(_ path: String) throws -> String {
        String(decoding: try DiskFileSystem.contents(of: path), as: UTF8.self)
    }

    /// Adds the values of the Targetfile's `secret` variables to `secrets`: the value each
    /// takes in this run, and any given for it on the command line, in tbmake.conf or in
    /// the environment.
    static func registerSecrets(of targetfile: Targetfile, overrides: [String: String], environment: [String: String],
                                in secrets: Secrets) {
        for name in targetfile.secrets {
            if let given = overrides[name] { secrets.add(given) }
            if let given = environment[name] { secrets.add(given) }
            let reference = Template(parts: [.reference(name, column: 1)],
                                     location: SourceLocation(file: targetfile.path, line: 1, column: 1))
            if let value = try? BuildGraph.expandTopLevel(reference, of: targetfile, overrides: overrides,
                                                          environment: environment) {
                secrets.add(value)
            }
        }
    }

    /// The project's key for fingerprints of secrets (`.tbmake/secret-key`); a run that
    /// writes makes it if missing.
    private func loadSecretKey(create: Bool) throws -> SecretKey {
        do { return try SecretKey.load(directory: ".tbmake", create: create) } catch {
            throw Stop(message: "\(error)", exitStatus: 1)
        }
    }

    private func requestedTargets(_ targetfile: Targetfile) throws -> [String] {
        let named = command.targets
        if !named.isEmpty {
            for name in named where targetfile.targetIndex[name] == nil
                && BuildGraph.instanceBase(of: name, in: targetfile) == nil {
                throw Stop(message: "no target named '\(name)' in \(command.file) (see tbmake --list)", exitStatus: 2)
            }
            return named
        }
        guard let first = targetfile.defaultTarget else {
            throw Stop(message: "\(command.file) declares no target", exitStatus: 2)
        }
        return [first]
    }

    private func printList(_ targetfile: Targetfile) {
        let width = min(40, targetfile.targets.map(\.name.count).max() ?? 0)
        var text = ""
        for target in targetfile.targets {
            text += target.name.padding(width)
            if let comment = target.comment { text += "  \(comment)" }
            text += "\n"
        }
        Terminal.out(text)
    }

    static func readFile(_ path: String) -> String? {
        DiskFileSystem.readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        return getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "."
    }

    /// The process environment, read once: start-up asks for it several times.
    static let processEnvironment: [String: String] = {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }()
}

/// Objects whose memory the process's exit reclaims (see `Invocation.run`).
nonisolated(unsafe) var retainedUntilExit: [Any] = []

/// `-q`: says nothing; the exit status is the answer.
final class SilentObserver: BuildObserver {
    func warning(_ message: String) {}
    func waiting(_ target: String, _ message: String) {}
    func decided(_ target: String, _ decision: Decision) {}
    func started(_ target: String, started: Int, total: Int) {}
    func finished(_ target: String, _ result: TargetResult) {}
}
