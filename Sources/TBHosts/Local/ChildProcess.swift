import Glibc

/// A `/bin/sh -c` child in its own process group. Owns the child until it is reaped:
/// if it is dropped unreaped (an error path), `deinit` kills the whole group and reaps
/// the shell, so no path leaves a zombie or a stray recipe behind.
final class ChildProcess {
    let pid: pid_t
    /// The wait status once reaped.
    private(set) var waitStatus: Int32?

    /// Signals whose disposition the child gets back to default: this process may
    /// ignore SIGPIPE or catch SIGINT, a recipe must not inherit that.
    private static let defaultedSignals: [Int32] = [
        SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1, SIGUSR2,
        SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU,
    ]

    /// Spawns `/bin/sh -c command` in `directory`, in a new process group, with stdin
    /// from /dev/null and stdout and stderr both on `output` (a descriptor the caller
    /// still owns and closes after the spawn). Registered with `RunningProcessGroups`
    /// (which refuses, with ECANCELED, once tbmake is stopping its recipes).
    /// With `input`, stdin is that descriptor instead (the terminal, for the console pool).
    init(command: String, environment: [String: String], directory: String, input: Int32? = nil, output: Int32) throws {
        pid = try RunningProcessGroups.register {
            try Self.spawnShell(command: command, environment: Self.mergedEnvironment(environment),
                                directory: directory, input: input, output: output)
        }
    }

    /// Spawns `/bin/sh -c command` in a new process group of its own, its signal
    /// dispositions and mask back to default; stdin from `input`, stdout and stderr on
    /// `output` (nil: /dev/null). With `closingOthers`, no descriptor but those three is
    /// inherited (where glibc can say so, 2.34 and later). Returns the shell's pid.
    static func spawnShell(command: String, environment: [String], directory: String, input: Int32? = nil,
                           output: Int32?, closingOthers: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var rc = posix_spawn_file_actions_init(&actions)
        guard rc == 0 else { throw SystemError(rc) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        rc = posix_spawnattr_init(&attributes)
        guard rc == 0 else { throw SystemError(rc) }
        defer { posix_spawnattr_destroy(&attributes) }

        guard let addChdir = GNUExtensions.addChdir else { throw SystemError(ENOSYS) }
        if let input {
            try check(posix_spawn_file_actions_adddup2(&actions, input, 0))
        } else {
            try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0))
        }
        if let output {
            try check(posix_spawn_file_actions_adddup2(&actions, output, 1))
            try check(posix_spawn_file_actions_adddup2(&actions, output, 2))
        } else {
            try check(posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0))
            try check(posix_spawn_file_actions_adddup2(&actions, 1, 2))
        }
        if closingOthers, let addClosefrom = GNUExtensions.addClosefrom { try check(addClosefrom(&actions, 3)) }
        try check(addChdir(&actions, directory))

        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in defaultedSignals { sigaddset(&defaults, signal) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        try check(posix_spawnattr_setsigdefault(&attributes, &defaults))
        try check(posix_spawnattr_setsigmask(&attributes, &emptyMask))
        try check(posix_spawnattr_setpgroup(&attributes, 0))
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)))

        let arguments = CStringArray(["/bin/sh", "-c", command])
        let environmentStrings = CStringArray(environment)
        var child: pid_t = 0
        rc = withExtendedLifetime((arguments, environmentStrings)) {
            let spawn = {
                posix_spawn(&child, "/bin/sh", &actions, &attributes,
                            arguments.pointers, environmentStrings.pointers)
            }
            // Without pipe2, pipes are created under spawnLock; spawn under it too so
            // no child inherits another run's pipe in the window before FD_CLOEXEC.
            return GNUExtensions.pipe2 == nil ? spawnLock.withLock(spawn) : spawn()
        }
        guard rc == 0 else { throw SystemError(rc) }
        return child
    }

    deinit {
        if waitStatus == nil {
            signalGroup(SIGKILL)
            _ = waitBlocking()
        }
        RunningProcessGroups.remove(pid)
    }

    /// Sends `signal` to every process of the child's group. ESRCH (all gone) is fine.
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Reaps the shell if it has exited; returns its wait status, or nil if it runs on.
    func waitIfExited() -> Int32? {
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        let rc = retryingInterrupts { waitpid(pid, &status, WNOHANG) }
        if rc == pid { waitStatus = status }
        else if rc == -1 { waitStatus = Self.lostStatus }
        return waitStatus
    }

    /// Reaps the shell, waiting for it as long as it takes.
    func waitBlocking() -> Int32 {
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        let rc = retryingInterrupts { waitpid(pid, &status, 0) }
        let result = rc == pid ? status : Self.lostStatus
        waitStatus = result
        return result
    }

    /// Whether any process of the group is still running. Zombies do not count: an
    /// orphaned member stays a zombie until init reaps it, which may take a while.
    func groupHasLiveMembers() -> Bool {
        if kill(-pid, 0) == -1 && errno == ESRCH { return false }
        return ProcessTable.hasLiveMember(ofGroup: pid) ?? true
    }

    /// The exit status a recipe reports: its exit code, or 128 + the signal that ended it.
    static func exitStatus(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Used when waitpid fails (ECHILD: someone else reaped our child); reported as a
    /// failure, exit status 255, rather than as success.
    private static let lostStatus: Int32 = 255 << 8

    private static func check(_ rc: Int32) throws {
        if rc != 0 { throw SystemError(rc) }
    }

    /// This process's environment with `overrides` applied, as `NAME=value` strings.
    static func mergedEnvironment(_ overrides: [String: String]) -> [String] {
        var result: [String] = []
        var entry = environ
        while let cString = entry.pointee {
            let string = String(cString: cString)
            let name = string.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? string
            if overrides[name] == nil { result.append(string) }
            entry += 1
        }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            result.append(name + "=" + value)
        }
        return result
    }
}

/// A NULL-terminated array of C strings that owns its copies (freed in `deinit`).
final class CStringArray {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }
}
