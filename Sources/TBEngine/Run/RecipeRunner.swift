#if canImport(Glibc)
import Glibc
#endif

/// Runs a recipe's steps on an executor, in order, with the timeout and retries the
/// target declares. Called on a worker thread.
enum RecipeRunner {
    /// Why a recipe failed, in one line.
    struct Failure: Error {
        var message: String
        var kind: FailureKind = .other
        /// The step that failed, numbered from 1, and its text.
        var step: (number: Int, text: String)?
    }

    /// A step starting or ending, reported from the worker thread as it happens.
    enum StepEvent {
        case started(RunPhase, at: ContinuousClock.Instant)
        case ended(RunPhase, PhaseOutcome, at: ContinuousClock.Instant)
    }

    /// - Parameter beforeEachAttempt: clears what a failed attempt may have left (its
    ///   temporary outputs), so that each attempt starts from the same place.
    /// - Parameter deadline: one deadline for every attempt (a fan-out's); without it,
    ///   each attempt gets the recipe's own timeout.
    /// - Parameter packed: what each `pack` step packed, by step index (of the last attempt).
    static func run(_ recipe: Recipe, on executor: Executor, archiver: Archiver? = nil, log: RecipeLog,
                    deadline: ContinuousClock.Instant? = nil, packed: inout [Int: [PackedEntry]],
                    steps: (StepEvent) -> Void = { _ in }, beforeEachAttempt: () -> Void) -> Failure? {
        var failure: Failure?
        for attempt in 0...recipe.retry {
            beforeEachAttempt()
            packed = [:]
            if attempt > 0 {
                log.write("tbmake: attempt \(attempt + 1) of \(recipe.retry + 1)\n")
            }
            let attemptDeadline = deadline ?? recipe.timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
            failure = runOnce(recipe, on: executor, archiver: archiver, log: log, deadline: attemptDeadline,
                              fanOutTimeout: deadline == nil ? nil : recipe.timeout, packed: &packed, steps: steps)
            if failure == nil { return nil }
            log.write("tbmake: \(failure!.message)\n")
        }
        if recipe.retry > 0, let f = failure {
            return Failure(message: "\(f.message) (after \(recipe.retry + 1) attempts)", kind: f.kind, step: f.step)
        }
        return failure
    }

    /// - Parameter fanOutTimeout: the timeout of the fan-out whose deadline `deadline` is:
    ///   a late instance has run for less, and is told which timeout ran out.
    private static func runOnce(_ recipe: Recipe, on executor: Executor, archiver: Archiver?, log: RecipeLog,
                                deadline: ContinuousClock.Instant?, fanOutTimeout: Double?,
                                packed: inout [Int: [PackedEntry]], steps: (StepEvent) -> Void) -> Failure? {
        let environment = Dictionary(recipe.environment.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for (index, step) in recipe.steps.enumerated() {
            log.write("$ \(step)\n")
            let phase = RunPhase.step(number: index + 1, count: recipe.steps.count, kind: step.kind, text: "\(step)")
            steps(.started(phase, at: .now))
            let failure = runStep(step, index: index, console: recipe.console, on: executor, archiver: archiver, environment: environment,
                                  log: log, deadline: deadline, fanOutTimeout: fanOutTimeout, packed: &packed)
            if var failure {
                failure.step = (index + 1, "\(step)")
                steps(.ended(phase, PhaseOutcome(status: .failed, reason: failure.message), at: .now))
                return failure
            }
            steps(.ended(phase, PhaseOutcome(status: .ok, bytes: step.bytesMoved), at: .now))
        }
        return nil
    }

    private static func runStep(_ step: Recipe.Step, index: Int, console: Bool, on executor: Executor, archiver: Archiver?,
                                environment: [String: String], log: RecipeLog, deadline: ContinuousClock.Instant?,
                                fanOutTimeout: Double?, packed: inout [Int: [PackedEntry]]) -> Failure? {
            do {
                switch step {
                case .run(let command):
                    let status = console
                        ? try executor.runOnConsole(command: command, environment: environment, deadline: deadline)
                        : try executor.run(command: command, environment: environment, deadline: deadline, output: log)
                    if status > 128 {
                        return Failure(message: "command killed by signal \(status - 128): \(command)", kind: .signal)
                    } else if status != 0 {
                        return Failure(message: "command exited with status \(status): \(command)", kind: .exitStatus)
                    }
                case .put(let from, let to):
                    note(try executor.put(from: from, to: to), copying: from, to: "\(executor.hostName):\(to)", log: log)
                case .get(let from, let to):
                    note(try executor.get(from: from, to: to), copying: "\(executor.hostName):\(from)", to: to, log: log)
                case .pack(let root, let paths, let excludes, let archive, let manifest, let formatName):
                    guard let archiver else { return Failure(message: "no archiver to pack \(archive)", kind: .transfer) }
                    packed[index] = try archiver.pack(root: root, paths: paths, excludes: excludes, archive: archive,
                                                      manifest: manifest, formatName: formatName, on: executor)
                case .unpack(let archive, let manifest, let destination):
                    guard let archiver else { return Failure(message: "no archiver to unpack \(archive)", kind: .transfer) }
                    try archiver.unpack(archive: archive, manifest: manifest, into: destination, on: executor)
                }
            } catch ExecutorError.timedOut(_) where fanOutTimeout != nil {
                return Failure(message: "timed out: the fan-out's \(Duration.seconds(fanOutTimeout!).formattedSeconds) timeout ran out",
                               kind: .timeout)
            } catch let error as ExecutorError {
                return Failure(message: error.description, kind: error.failureKind)
            } catch {
                // pack and unpack: the archiver's errors.
                return Failure(message: "\(error)", kind: step.kind == "run" ? .other : .transfer)
            }
        return nil
    }

    /// Says in the log when a transfer found its destination up to date.
    private static func note(_ outcome: TransferOutcome, copying source: String, to destination: String, log: RecipeLog) {
        if case .unchanged(let digest) = outcome {
            log.write("tbmake: \(destination) already has the content of \(source) (sha256 \(digest.prefix(12))): not copied\n")
        }
    }
}

extension ExecutorError {
    /// The kind of failure this error makes of a target.
    var failureKind: FailureKind {
        switch self {
        case .timedOut: return .timeout
        case .spawnFailed: return .exitStatus
        case .transferFailed: return .transfer
        case .unavailable: return .hostUnavailable
        case .noConsole: return .other
        }
    }
}

extension Recipe.Step {
    /// `run`, `put`, `get`, `pack` or `unpack`.
    var kind: String {
        switch self {
        case .run: return "run"
        case .put: return "put"
        case .get: return "get"
        case .pack: return "pack"
        case .unpack: return "unpack"
        }
    }

    /// After the step succeeded: the size of the local file a `put` read or a `get`
    /// wrote, when it is a regular file.
    var bytesMoved: Int64? {
        let path: String
        switch self {
        case .put(let from, _): path = from
        case .get(_, let to): path = to
        default: return nil
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }
}
