import TBEngine
import TBStore
import TBTargetfile

/// One project across several runs: a Targetfile, an in-memory file system, a trace
/// store, and a recording executor per host (created on first use, `local` for the
/// implicit host) that all share one script.
public final class Testbed {
    public var targetfile: String
    public let fs: InMemoryFileSystem
    public let store = MemoryTraceStore()
    /// The artifact cache every run uses; nil (the default) runs without one.
    public var cache: ArtifactCache?
    public private(set) var executors: [String: RecordingExecutor] = [:]
    /// Given to every executor, present and future.
    public var script: RecordingExecutor.Script = RecordingExecutor.miniShell {
        didSet { for executor in executors.values { executor.script = script } }
    }

    /// - Parameter cachesDigestsByStat: see `InMemoryFileSystem.cachesDigestsByStat`.
    /// - Parameter cache: the artifact cache of every run (see `useMemoryCache()`).
    public init(_ targetfile: String, files: [String: String] = [:], cachesDigestsByStat: Bool = false,
                cache: ArtifactCache? = nil) {
        self.targetfile = targetfile
        self.fs = InMemoryFileSystem(files, cachesDigestsByStat: cachesDigestsByStat)
        self.cache = cache
    }

    /// Gives every later run an in-memory artifact cache over this project's files.
    @discardableResult
    public func useMemoryCache() -> MemoryArtifactCache {
        let created = MemoryArtifactCache(fileSystem: fs)
        cache = created
        return created
    }

    /// The executor of `host`, created when first asked for.
    public func executor(_ host: String = "local") -> RecordingExecutor {
        if let existing = executors[host] { return existing }
        let created = RecordingExecutor(hostName: host, fileSystem: fs, script: script)
        executors[host] = created
        return created
    }

    /// The `run` commands of every executor since the last `resetCalls`, by host.
    public var commandsByHost: [String: [String]] {
        executors.filter { !$0.value.commands.isEmpty }.mapValues(\.commands)
    }

    public func resetCalls() { for executor in executors.values { executor.reset() } }

    /// Runs `targets`; forgets the executors' calls of earlier runs first.
    @discardableResult
    public func build(_ targets: [String], overrides: [String: String] = [:], environment: [String: String] = [:],
                      options: BuildOptions = BuildOptions()) throws -> (BuildSummary, RecordingObserver) {
        resetCalls()
        let parsed = try Targetfile.parse(targetfile)
        var all: [String: Executor] = ["local": executor("local")]
        for host in parsed.hosts.keys { all[host] = executor(host) }
        return try TBTestSupport.build(targetfile, targets: targets, overrides: overrides, environment: environment,
                                       options: options, fs: fs, executors: all, store: store, cache: cache)
    }

    @discardableResult
    public func build(_ targets: String..., overrides: [String: String] = [:], environment: [String: String] = [:],
                      options: BuildOptions = BuildOptions()) throws -> (BuildSummary, RecordingObserver) {
        try build(targets, overrides: overrides, environment: environment, options: options)
    }
}

extension BuildOptions {
    /// Options in one expression: `.with { $0.dryRun = true }`.
    public static func with(_ change: (inout BuildOptions) -> Void) -> BuildOptions {
        var options = BuildOptions()
        change(&options)
        return options
    }
}

extension BuildSummary {
    /// A summary in one expression, for exact comparisons.
    public static func counts(ran: Int = 0, restored: Int = 0, skipped: Int = 0, failed: Int = 0,
                              blocked: Int = 0, wouldRun: Int = 0) -> BuildSummary {
        var summary = BuildSummary()
        summary.ran = ran
        summary.restored = restored
        summary.skipped = skipped
        summary.failed = failed
        summary.blocked = blocked
        summary.wouldRun = wouldRun
        return summary
    }
}
