import TBEngine
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// Opens `.tbmake/log` and stats the outputs it names on a thread of its own, so that a
/// no-op run overlaps that work with parsing the Targetfile and building the graph.
final class LogLoader: @unchecked Sendable {
    private let done = CompletionQueue<Void>()
    private var result: Result<(BuildLog, [String: FileStat]), StoreError>?
    /// Held for the whole run by runs that write: two tbmakes never share a project.
    private(set) var lock: DirectoryLock?
    private let readOnly: Bool
    private var waited = false

    private init(readOnly: Bool) { self.readOnly = readOnly }

    static func start(readOnly: Bool) -> LogLoader {
        let loader = LogLoader(readOnly: readOnly)
        Worker.spawn {
            loader.load()
            loader.done.push(())
        }
        return loader
    }

    private func load() {
        result = Result { () throws(StoreError) in
            // A project tbmake never ran in (no lock and log yet) is left untouched until
            // the command line and the Targetfile have proved sound: `writable()` creates
            // them then. An error writes nothing.
            if readOnly || FileStat.stat(".tbmake/lock") == nil || FileStat.stat(".tbmake/log") == nil {
                return (try BuildLog.open(directory: ".tbmake", readOnly: true), [:])
            }
            lock = try DirectoryLock.acquire(path: ".tbmake/lock")
            let log = try BuildLog.open(directory: ".tbmake", readOnly: false)
            var paths: [String] = []
            paths.reserveCapacity(log.traces.count)
            for trace in log.traces.values { paths += trace.outputs.map(\.path) }
            return (log, DiskFileSystem.prefetchStats(paths))
        }
    }

    /// Lets go of the project lock at the end of the invocation, whatever ended it: a run
    /// stopped by an error leaves the lock file as it found it (empty).
    func release() {
        if !waited {
            done.pop()
            waited = true
        }
        lock = nil
    }

    /// The log opened for writing, under the project lock: the one loaded, or a new one
    /// for a project tbmake never ran in.
    func writable(_ loaded: BuildLog) throws -> BuildLog {
        if !loaded.readOnly { return loaded }
        do {
            lock = try DirectoryLock.acquire(path: ".tbmake/lock")
            return try BuildLog.open(directory: ".tbmake", readOnly: false)
        } catch {
            throw Invocation.Stop(message: "\(error)", exitStatus: 1)
        }
    }

    /// Waits for the load (call once); a log that cannot be opened is a run-time failure.
    func wait() throws -> (BuildLog, [String: FileStat]) {
        done.pop()   // called once; the load pushes exactly once
        waited = true
        switch result! {
        case .success(let value): return value
        case .failure(let error): throw Invocation.Stop(message: "\(error)", exitStatus: 1)
        }
    }
}
