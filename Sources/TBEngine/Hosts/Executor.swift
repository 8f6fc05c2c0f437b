/// Where a recipe runs. The engine talks to every host — the embedded local testbed,
/// an ssh machine — only through this protocol, so a fake executor can stand in for
/// tests and ssh is "just another executor".
///
/// An executor is used from worker threads: implementations must be safe to call
/// concurrently for different targets.
public protocol Executor: AnyObject, Sendable {
    /// The host's name as declared in the Targetfile (`dev2`), or `local`.
    var hostName: String { get }

    /// Variables the host defines for recipes, such as `root` (the absolute path of a
    /// local sandbox). Read once per run.
    var variables: [String: String] { get }

    /// Makes the host ready for recipes (creates a local sandbox, opens a connection).
    /// The engine calls it before `identity()` in runs that may execute recipes, never
    /// in dry runs, so that the identity recorded with a first run is the host's own.
    func prepare() throws

    /// A string that identifies the host; it is part of the key of every target on it,
    /// so that a reprovisioned host makes its targets run again.
    func identity() throws -> String

    /// Runs `command` with `/bin/sh -c` on the host. The command's standard output and
    /// standard error, interleaved, go to `output` as they arrive. Returns the exit
    /// status (128 + signal for a signalled process). Throws `ExecutorError.timedOut`
    /// when `deadline` passes first, after killing the whole process group.
    func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
             output: OutputSink) throws -> Int32

    /// Copies a file or a directory from the project (`local`, relative to the project
    /// directory or absolute) to `remote` on the host. The destination is replaced as a
    /// whole and appears only once complete. An executor may skip a file the host
    /// already holds with the same content and mode, and say so.
    @discardableResult
    func put(from local: String, to remote: String) throws -> TransferOutcome

    /// Copies a file or a directory from `remote` on the host to `local` in the project.
    /// The destination is replaced as a whole and appears only once complete; a file
    /// the project already holds with the same content and mode may be skipped.
    @discardableResult
    func get(from remote: String, to local: String) throws -> TransferOutcome

    /// Runs `command` with tbmake's terminal (the `console` pool): standard input,
    /// output and error are tbmake's own, and nothing is captured. Returns the exit
    /// status; throws `ExecutorError.timedOut` at `deadline`. Hosts that cannot do so
    /// throw `ExecutorError.noConsole` (the default).
    func runOnConsole(command: String, environment: [String: String], deadline: ContinuousClock.Instant?) throws -> Int32
}

extension Executor {
    /// The default: no terminal to give.
    public func runOnConsole(command: String, environment: [String: String],
                             deadline: ContinuousClock.Instant?) throws -> Int32 {
        throw ExecutorError.noConsole(host: hostName)
    }
}

/// Receives a recipe's output as it is produced. Called from the thread running the step.
public protocol OutputSink: AnyObject, Sendable {
    func write(_ bytes: UnsafeRawBufferPointer)
}
