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
            if Self.consumeStop(of: child.pid) {
                // Ctrl-Z stopped the recipe: job control as a shell does it — tbmake stops
                // too, with the terminal back; `fg` continues both.
                terminal.takeBack()
                raise(SIGTSTP)
                terminal.giveAgain(to: child.pid)
                continue
            }
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
        let status = ChildProcess.exitStatus(fromWaitStatus: child.waitBlocking())
        // Ctrl-C reached only the recipe, which had the terminal: it is meant for tbmake too.
        if status == 128 + SIGINT || status == 128 + SIGQUIT { kill(getpid(), status - 128) }
        return status
    }

    /// Whether the child `pid` has stopped (reporting the stop once), without reaping it.
    private static func consumeStop(of pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WSTOPPED | WNOHANG) == 0 else { return false }
        return info.si_code == Int32(CLD_STOPPED)
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
        giveAgain(to: group)
    }

    /// Hands the terminal to `group` and lets it go on.
    func giveAgain(to group: pid_t) {
        guard previous != nil else { return }
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
