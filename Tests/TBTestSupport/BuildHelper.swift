import TBEngine
import TBStore
import TBTargetfile

/// Why the helper could not set a run up.
public enum TestSupportError: Error, Equatable, CustomStringConvertible {
    case noExecutor(host: String)

    public var description: String {
        switch self {
        case .noExecutor(let host): return "test set-up: no executor for host '\(host)'"
        }
    }
}

/// Parses `targetfileText` (as `Targetfile`, with `includes` as other files), builds the
/// graph of `targets` and runs it. `executors` maps host names to executors; the
/// implicit host is `local`. Throws what parsing, loading the graph and running throw:
/// `TargetfileError`, `EngineError`. `cache` is the artifact cache (none by default).
@discardableResult
public func build(_ targetfileText: String, targets: [String], overrides: [String: String] = [:],
                  environment: [String: String] = [:], options: BuildOptions = BuildOptions(),
                  fs: FileSystem, executors: [String: Executor], store: TraceStore,
                  includes: [String: String] = [:], cache: ArtifactCache? = nil) throws -> (BuildSummary, RecordingObserver) {
    let targetfile = try Targetfile.parse(targetfileText, path: "Targetfile", files: includes)
    for host in ["local"] + targetfile.hosts.keys.sorted() where executors[host] == nil {
        throw TestSupportError.noExecutor(host: host)
    }
    let graph = try BuildGraph(targetfile: targetfile, requested: targets, overrides: overrides,
                               environment: environment, fileSystem: fs)
    let observer = RecordingObserver()
    let local = executors["local"]!
    let run = Build(graph: graph, options: options, store: store, fileSystem: fs, observer: observer,
                    cache: cache, executorFor: { name in name.flatMap { executors[$0] } ?? local })
    let summary = try run.run()
    return (summary, observer)
}
