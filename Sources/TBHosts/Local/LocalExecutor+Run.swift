import Glibc
import TBEngine

extension LocalExecutor {
    /// After the shell exits, how long output from processes it left behind (which hold
    /// the pipe open, e.g. `daemon &`) is still read. Reading then stops and the pipe is
    /// closed: those processes are left running, and later writes to their
    /// stdout/stderr fail with EPIPE/SIGPIPE. Waiting for EOF instead would hang the
    /// build on any recipe that starts a background service.
    static let outputGracePeriod: Duration = .seconds(1)
    /// Between SIGTERM to the process group and SIGKILL.
    static let terminationGracePeriod: Duration = .seconds(2)
    /// How often the shell is checked for exit while its output is silent.
    static let exitCheckInterval: Duration = .milliseconds(50)

    /// Runs `/bin/sh -c command` in the project directory, in its own process group,
    /// with stdin from /dev/null and stdout and stderr on one pipe streamed to `output`.
    /// The environment is this process's plus `environment`. Returns the exit status,
    /// 128 + signal if the shell was killed by a signal.
    ///
    /// At `deadline`, the whole group gets SIGTERM, then SIGKILL 2 s later if any of it
    /// still runs; the shell is reaped and `ExecutorError.timedOut` thrown, its
    /// `seconds` being the time from this call to the deadline. A deadline already
    /// past throws without starting anything.
    public func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
                    output: OutputSink) throws -> Int32 {
        let start = ContinuousClock.now
        if let deadline, deadline <= start { throw ExecutorError.timedOut(seconds: 0) }
        try prepare()

        let pipe: (read: FileDescriptor, write: FileDescriptor)
        let child: ChildProcess
        do {
            pipe = try FileDescriptor.pipe()
            child = try ChildProcess(command: command, environment: environment,
                                     directory: projectDirectory, output: pipe.write.rawValue)
        } catch let error as SystemError {
            throw ExecutorError.spawnFailed(command: command, errno: error.code)
        }
        pipe.write.close()

        let pump = OutputPump(descriptor: pipe.read, sink: output)
        var shellExitedAt: ContinuousClock.Instant?
        while true {
            let now = ContinuousClock.now
            var wait = Self.exitCheckInterval
            if child.waitIfExited() != nil {
                let exitedAt = shellExitedAt ?? now
                shellExitedAt = exitedAt
                let stopReadingAt = exitedAt + Self.outputGracePeriod
                if pump.reachedEnd || now >= stopReadingAt { break }
                wait = stopReadingAt - now
            } else if let deadline {
                if now >= deadline {
                    terminate(child, pump: pump)
                    let seconds = ((deadline - start) / .milliseconds(1)).rounded() / 1000
                    throw ExecutorError.timedOut(seconds: seconds)
                }
                wait = min(wait, deadline - now)
            }
            pump.pump(for: wait)
        }
        pump.drainAvailable()
        return ChildProcess.exitStatus(fromWaitStatus: child.waitBlocking())
    }

    /// SIGTERM to the group; output keeps flowing while it winds down; SIGKILL to the
    /// group if anything of it still runs after the grace period; the shell is reaped.
    private func terminate(_ child: ChildProcess, pump: OutputPump) {
        child.signalGroup(SIGTERM)
        let killAt = ContinuousClock.now + Self.terminationGracePeriod
        while true {
            _ = child.waitIfExited()
            if !child.groupHasLiveMembers() { break }
            let now = ContinuousClock.now
            if now >= killAt {
                child.signalGroup(SIGKILL)
                break
            }
            pump.pump(for: min(Self.exitCheckInterval, killAt - now))
        }
        _ = child.waitBlocking()
    }
}
