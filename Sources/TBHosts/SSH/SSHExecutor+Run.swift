import CSSH2
import Glibc
import TBEngine

extension SSHExecutor {
    /// Runs `command` on the host in a new channel of the shared connection.
    ///
    /// The remote login shell is given `printf '%s\n' "$$"; [cd ROOT &&] export K='v' …
    /// && exec /bin/sh -c 'COMMAND'`, every piece single-quoted, so the command runs
    /// exactly as given. sshd makes the session's shell a session and process-group
    /// leader, and `exec` keeps its pid, so the pid printed first (and stripped from the
    /// output) is the process group of everything the command starts. Standard output
    /// and standard error go to `output` as they arrive; stdin is empty. Returns the
    /// exit status, or 128 + n when sshd reports signal n.
    ///
    /// At `deadline` the channel is closed and, on a second channel, the process group
    /// gets SIGTERM, then SIGKILL after 2 s if any of it remains; then
    /// `ExecutorError.timedOut`. A lost connection throws `ExecutorError.unavailable`
    /// naming the host; the next call connects again.
    public func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
                    output: OutputSink) throws -> Int32 {
        let start = ContinuousClock.now
        if let deadline, deadline <= start { throw ExecutorError.timedOut(seconds: 0) }
        var script = #"printf '%s\n' "$$" && "#
        if let configuredRoot { script += "cd -- \(shellQuote(configuredRoot)) && " }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard isShellVariableName(name) else { throw ExecutorError.spawnFailed(command: command, errno: EINVAL) }
            script += "export \(name)=\(shellQuote(value)) && "
        }
        script += "exec /bin/sh -c \(shellQuote(command))"
        if RunningRemoteCommands.isStopping { throw ExecutorError.spawnFailed(command: command, errno: ECANCELED) }
        let connection = try connection()
        do {
            return try execute(script, on: connection, deadline: deadline, isRecipe: true, output: { output.write($0) })
        } catch let timeout as CommandTimedOut {
            if let group = timeout.processGroup { terminate(groups: [group], on: connection) }
            let seconds = ((deadline! - start) / .milliseconds(1)).rounded() / 1000
            throw ExecutorError.timedOut(seconds: seconds)
        }
    }

    /// Runs `script` (given to the login shell, which must print its pid first) and
    /// returns its exit status. Throws `CommandTimedOut` at the deadline (the channel
    /// is closed by then), `ExecutorError.unavailable` on connection failures. A recipe
    /// is listed in `RunningRemoteCommands` while it runs, once its pid is known.
    func execute(_ script: String, on connection: SSHConnection, deadline: ContinuousClock.Instant?,
                 isRecipe: Bool = false, output: (UnsafeRawBufferPointer) -> Void) throws -> Int32 {
        var header = ProcessGroupHeader()
        var listed: Int?
        defer { if let listed { RunningRemoteCommands.remove(listed) } }
        do {
            let channel = try SSHChannel.exec(script, on: connection, deadline: deadline)
            try channel.readUntilEOF(deadline: deadline) { stream, bytes in
                if stream == 0 && !header.complete {
                    let rest = header.consume(bytes)
                    if isRecipe, let group = header.processGroup {
                        listed = RunningRemoteCommands.add(executor: self, connection: connection, group: group)
                    }
                    if !rest.isEmpty { output(rest) }
                } else {
                    output(bytes)
                }
            }
            guard let status = try channel.finish(deadline: deadline) else {
                connection.markLost("the command ended without an exit status")
                throw SSHError.connectionLost(host: hostName, reason: "the command ended without an exit status")
            }
            return status
        } catch is SSHDeadlineExceeded {
            throw CommandTimedOut(processGroup: header.processGroup)
        } catch let error as SSHError {
            throw unavailable(error)
        }
    }

    /// Runs `script` like `run` (no environment, in the root) and returns its output;
    /// a non-zero status becomes `ExecutorError.unavailable` describing `what`.
    @discardableResult
    func runChecked(_ command: String, what: String, on given: SSHConnection? = nil,
                    deadline: ContinuousClock.Instant? = nil) throws -> String {
        let connection = try given ?? self.connection()
        var bytes: [UInt8] = []
        var script = #"printf '%s\n' "$$" && "#
        if let configuredRoot, given == nil { script += "cd -- \(shellQuote(configuredRoot)) && " }
        script += "exec /bin/sh -c \(shellQuote(command))"
        let status: Int32
        do {
            status = try execute(script, on: connection, deadline: deadline, output: { bytes.append(contentsOf: $0) })
        } catch is CommandTimedOut {
            throw ExecutorError.unavailable(host: hostName, reason: "\(what) did not finish in time")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard status == 0 else {
            let detail = text.trimmingWhitespace.split(separator: "\n").last.map { ": " + $0 } ?? ""
            throw ExecutorError.unavailable(host: hostName, reason: "\(what) failed with status \(status)\(detail)")
        }
        return text
    }

    /// SIGTERM to the remote process groups, SIGKILL 2 s later to those of which
    /// anything remains. Best effort: a host that cannot be reached any more keeps its
    /// processes.
    func terminate(groups: [Int], on connection: SSHConnection) {
        let script = #"printf '%s\n' "$$"; groups='"# + groups.map(String.init).joined(separator: " ") + "'\n"
            + stopProcessGroupsShellCode
        _ = try? execute(script, on: connection, deadline: .now + .seconds(10), output: { _ in })
    }
}

/// The deadline of a remote command passed; its channel is closed.
struct CommandTimedOut: Error {
    /// The remote process group, if its pid had arrived.
    var processGroup: Int?
}

/// Parses the `<pid>\n` line the remote shell prints before the command's output.
struct ProcessGroupHeader {
    private var digits: [UInt8] = []
    private(set) var complete = false

    var processGroup: Int? { complete ? Int(String(decoding: digits, as: UTF8.self)) : nil }

    /// Takes header bytes from `bytes`; returns the rest (the command's own output).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") {
                complete = true
                return UnsafeRawBufferPointer(rebasing: bytes[(index + 1)...])
            }
            digits.append(byte)
        }
        return UnsafeRawBufferPointer(rebasing: bytes[bytes.endIndex...])
    }
}
