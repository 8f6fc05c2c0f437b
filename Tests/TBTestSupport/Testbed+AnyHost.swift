import TBEngine
import TBStore
import TBTargetfile

extension Testbed {
    /// Like `build`, with two differences: every host name the graph uses gets its own
    /// recording executor, created on first use — also names that only a pattern declares
    /// (`host fit* = local` makes `fit01`, `fit02`… each their own executor) — and
    /// `also`, when given, hears everything the run reports as well.
    @discardableResult
    public func buildOnAnyHost(_ targets: [String], overrides: [String: String] = [:],
                               environment: [String: String] = [:], options: BuildOptions = BuildOptions(),
                               also extra: BuildObserver? = nil) throws -> (BuildSummary, RecordingObserver) {
        resetCalls()
        let parsed = try Targetfile.parse(targetfile)
        let graph = try BuildGraph(targetfile: parsed, requested: targets, overrides: overrides,
                                   environment: environment, fileSystem: fs)
        let recording = RecordingObserver()
        let observer: BuildObserver = extra.map { TeeObserver([recording, $0]) } ?? recording
        // Called on the scheduler's thread only, as the command line's host table is.
        let run = Build(graph: graph, options: options, store: store, fileSystem: fs, observer: observer,
                        cache: cache, executorFor: { [unowned self] name in self.executor(name ?? "local") })
        return (try run.run(), recording)
    }
}

/// The run's reports as one ordered list of lines — `started a`, `finished a ok`,
/// `decided a skip: up to date` — so that a test can assert how starts and ends
/// interleave (all reports come on the scheduler's thread, in the order they happen).
public final class EventLogObserver: BuildObserver {
    public private(set) var lines: [String] = []

    public init() {}

    public func decided(_ target: String, _ decision: Decision) {
        lines.append("decided \(target) \(decision.action.rawValue): \(decision.reason)")
    }
    public func started(_ target: String, started: Int, total: Int) { lines.append("started \(target)") }
    public func finished(_ target: String, _ result: TargetResult) { lines.append("finished \(target) \(result.status.rawValue)") }
    public func warning(_ message: String) { lines.append("warning \(message)") }
    public func waiting(_ target: String, _ message: String) { lines.append("waiting \(target) \(message)") }

    /// Only the `started` and `finished` lines.
    public var runs: [String] { lines.filter { $0.hasPrefix("started ") || $0.hasPrefix("finished ") } }
}
