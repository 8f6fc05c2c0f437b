import TBHosts
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C, SIGTERM, SIGHUP: start no more recipes, stop the running ones, local and
/// on ssh hosts (SIGTERM to their process groups, SIGKILL 2 s later), say so in one line — the run's own output
/// stops at the signal, so the targets stopped are not reported as failed — and exit
/// with 128 + the signal (130, 143, 129). Targets that finished keep their traces; those
/// that were interrupted record none. (SIGKILL cannot be caught: `RecipeWatchdog` stops
/// the recipes then.)
enum InterruptHandler {
    nonisolated(unsafe) private static var pipeFDs: [Int32] = [-1, -1]
    /// The signal received, 0 if none; once set, the handler's thread ends the process.
    nonisolated(unsafe) static var received: Int32 = 0
    nonisolated(unsafe) private static var cleanups: [() -> Void] = []
    nonisolated(unsafe) private static var cleanupMutex = pthread_mutex_t()

    /// Runs `body` when a signal ends the process, after the recipes were stopped
    /// (releasing a `lock URL` on its server).
    static func atStop(_ body: @escaping () -> Void) {
        pthread_mutex_lock(&cleanupMutex)
        cleanups.append(body)
        pthread_mutex_unlock(&cleanupMutex)
    }

    static func install() {
        guard pipe(&pipeFDs) == 0 else { return }
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(InterruptHandler.pipeFDs[1], &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        var thread = pthread_t()
        pthread_create(&thread, nil, { _ in
            var byte: UInt8 = 0
            while read(InterruptHandler.pipeFDs[0], &byte, 1) < 0 && errno == EINTR {}
            InterruptHandler.stop(signal: Int32(byte))
        }, nil)
        pthread_detach(thread)
    }

    private static func stop(signal: Int32) -> Never {
        received = signal
        Terminal.silence()
        let stopped = RunningRemoteCommands.stop() + RunningProcessGroups.stop()
        var waited = 0
        while waited < 20 && RunningProcessGroups.signalAll(0) > 0 {
            usleep(100_000)
            waited += 1
        }
        RunningProcessGroups.signalAll(SIGKILL)
        // Each remote stop takes at most 2 s on the host once a channel is open.
        RunningRemoteCommands.waitForStops(until: .now + .seconds(5))
        pthread_mutex_lock(&cleanupMutex)
        let pending = cleanups
        pthread_mutex_unlock(&cleanupMutex)
        for cleanup in pending { cleanup() }
        let name = signal == SIGINT ? "interrupted" : "terminated by signal \(signal)"
        Terminal.err("\ntbmake: \(name); stopped \(stopped) running recipe\(stopped == 1 ? "" : "s"), which recorded nothing\n",
                     evenIfSilenced: true)
        _exit(128 + signal)
    }
}
