/// Runs a recipe's steps on an executor, in order, with the timeout and retries the
/// target declares. Called on a worker thread.
enum RecipeRunner {
    /// Why a recipe failed, in one line.
    struct Failure: Error {
        var message: String
    }

    /// - Parameter beforeEachAttempt: clears what a failed attempt may have left (its
    ///   temporary outputs), so that each attempt starts from the same place.
    /// - Parameter deadline: one deadline for every attempt (a fan-out's); without it,
    ///   each attempt gets the recipe's own timeout.
    /// - Parameter packed: what each `pack` step packed, by step index (of the last attempt).
    static func run(_ recipe: Recipe, on executor: Executor, archiver: Archiver? = nil, log: RecipeLog,
                    deadline: ContinuousClock.Instant? = nil, packed: inout [Int: [PackedEntry]],
                    beforeEachAttempt: () -> Void) -> Failure? {
        var failure: Failure?
        for attempt in 0...recipe.retry {
            beforeEachAttempt()
            packed = [:]
            if attempt > 0 {
                log.write("tbmake: attempt \(attempt + 1) of \(recipe.retry + 1)\n")
            }
            let attemptDeadline = deadline ?? recipe.timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
            failure = runOnce(recipe, on: executor, archiver: archiver, log: log, deadline: attemptDeadline,
                              fanOutTimeout: deadline == nil ? nil : recipe.timeout, packed: &packed)
            if failure == nil { return nil }
            log.write("tbmake: \(failure!.message)\n")
        }
        if recipe.retry > 0, let f = failure {
            return Failure(message: "\(f.message) (after \(recipe.retry + 1) attempts)")
        }
        return failure
    }

    /// - Parameter fanOutTimeout: the timeout of the fan-out whose deadline `deadline` is:
    ///   a late instance has run for less, and is told which timeout ran out.
    private static func runOnce(_ recipe: Recipe, on executor: Executor, archiver: Archiver?, log: RecipeLog,
                                deadline: ContinuousClock.Instant?, fanOutTimeout: Double?,
                                packed: inout [Int: [PackedEntry]]) -> Failure? {
        let environment = Dictionary(recipe.environment.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for (index, step) in recipe.steps.enumerated() {
            log.write("$ \(step)\n")
            do {
                switch step {
                case .run(let command):
                    let status = recipe.console
                        ? try executor.runOnConsole(command: command, environment: environment, deadline: deadline)
                        : try executor.run(command: command, environment: environment, deadline: deadline, output: log)
                    if status != 0 {
                        return Failure(message: status > 128
                            ? "command killed by signal \(status - 128): \(command)"
                            : "command exited with status \(status): \(command)")
                    }
                case .put(let from, let to):
                    note(try executor.put(from: from, to: to), copying: from, to: "\(executor.hostName):\(to)", log: log)
                case .get(let from, let to):
                    note(try executor.get(from: from, to: to), copying: "\(executor.hostName):\(from)", to: to, log: log)
                case .pack(let root, let paths, let excludes, let archive, let manifest, let formatName):
                    guard let archiver else { return Failure(message: "no archiver to pack \(archive)") }
                    packed[index] = try archiver.pack(root: root, paths: paths, excludes: excludes, archive: archive,
                                                      manifest: manifest, formatName: formatName, on: executor)
                case .unpack(let archive, let manifest, let destination):
                    guard let archiver else { return Failure(message: "no archiver to unpack \(archive)") }
                    try archiver.unpack(archive: archive, manifest: manifest, into: destination, on: executor)
                }
            } catch ExecutorError.timedOut(_) where fanOutTimeout != nil {
                return Failure(message: "timed out: the fan-out's \(Duration.seconds(fanOutTimeout!).formattedSeconds) timeout ran out")
            } catch let error as ExecutorError {
                return Failure(message: error.description)
            } catch {
                return Failure(message: "\(error)")
            }
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
