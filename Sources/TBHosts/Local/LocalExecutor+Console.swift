import Glibc
import TBEngine

extension LocalExecutor {
    /// The `console` pool: runs `/bin/sh -c command` in the project directory with
    /// tbmake's standard input and output (standard error joins standard output), in a
    /// process group of its own that is made the terminal's foreground group while it
    /// runs, so that it may read the terminal (`read -p`, an interactive ssh session).
    /// At `deadline` the group gets SIGTERM, then SIGKILL, and `timedOut` is thrown.
    public func runOnConsole(command: String, environment: [String: String],
                             deadline: ContinuousClock.Instant?) throws -> Int32 {
        let start = ContinuousClock.now
        if let deadline, deadline <= start { throw ExecutorError.timedOut(seconds: 0) }
        try prepare()
        let child: ChildProcess
        do {
            child = try ChildProcess(command: command, environment: environment, directory: projectDirectory,
                                     input: 0, output: 1)
        } catch let error as SystemError {
            throw ExecutorError.spawnFailed(command: command, errno: error.code)
        }
        let terminal = ForegroundTerminal(giveTo: child.pid)
        defer { terminal.takeBack() }
        while child.waitIfExited() == nil {
            if let deadline, ContinuousClock.now >= deadline {
                child.signalGroup(SIGTERM)
                let killAt = ContinuousClock.now + Self.terminationGracePeriod
                while child.groupHasLiveMembers() && ContinuousClock.now < killAt {
                    _ = child.waitIfExited()
                    usleep(20_000)
                }
                child.signalGroup(SIGKILL)
                _ = child.waitBlocking()
                throw ExecutorError.timedOut(seconds: ((deadline - start) / .milliseconds(1)).rounded() / 1000)
            }
            usleep(20_000)
        }
        return ChildProcess.exitStatus(fromWaitStatus: child.waitBlocking())
    }
}

/// The terminal on standard input handed to a process group, and taken back: job
/// control as a shell does it. Does nothing when standard input is not a terminal.
private struct ForegroundTerminal {
    private let previous: pid_t?

    init(giveTo group: pid_t) {
        guard isatty(0) == 1 else { previous = nil; return }
        let current = tcgetpgrp(0)
        previous = current >= 0 ? current : nil
        ForegroundTerminal.withoutStop { _ = tcsetpgrp(0, group) }
        // The group may have touched the terminal before it was its own, and been
        // stopped for it (SIGTTIN, SIGTTOU): let it go on, as a shell's `fg` does.
        kill(-group, SIGCONT)
    }

    func takeBack() {
        guard let previous else { return }
        ForegroundTerminal.withoutStop { _ = tcsetpgrp(0, previous) }
    }

    /// tcsetpgrp from a background group sends SIGTTOU: block it for the call.
    private static func withoutStop(_ body: () -> Void) {
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTTOU)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        body()
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}
