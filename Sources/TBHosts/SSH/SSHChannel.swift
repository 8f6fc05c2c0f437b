import CSSH2
import Glibc
import TBStore

/// One session channel on a connection, holding one of its `channelSlots` from
/// `init` until it is released. Freed (closed if still open) in `deinit`.
final class SSHChannel {
    let connection: SSHConnection
    let raw: OpaquePointer

    /// Opens a session channel in the slot the caller took (released in `deinit`).
    private init(on connection: SSHConnection, deadline: ContinuousClock.Instant?) throws {
        raw = try connection.callHandle("opening a channel", deadline: deadline) { tb_ssh2_channel_open_session($0) }
        self.connection = connection
    }

    deinit {
        // Closing needs the peer; give up after a short while (the session frees what is left).
        let giveUp = ContinuousClock.now + .seconds(2)
        _ = try? connection.call("freeing a channel", deadline: giveUp) { _ in libssh2_channel_free(self.raw) }
        connection.channelSlots.signal()
    }

    /// Opens a session channel and starts `command` on it, one channel at a time on the
    /// connection (see `SSHConnection.channelStartup`).
    static func exec(_ command: String, on connection: SSHConnection, deadline: ContinuousClock.Instant?) throws -> SSHChannel {
        connection.channelSlots.wait()
        return try connection.channelStartup.withLock {
            let channel: SSHChannel
            do { channel = try SSHChannel(on: connection, deadline: deadline) } catch {
                connection.channelSlots.signal()
                throw error
            }
            try channel.exec(command, deadline: deadline)
            return channel
        }
    }

    /// Starts `command`; file names in it (`FileName` strings) are sent as their bytes.
    private func exec(_ command: String, deadline: ContinuousClock.Instant?) throws {
        let bytes = FileName.cString(command)
        try connection.call("starting the command", deadline: deadline) { _ in tb_ssh2_channel_exec(self.raw, bytes) }
        // No input: commands that read stdin see end-of-file, as with /dev/null.
        try connection.call("closing the command's input", deadline: deadline) { _ in libssh2_channel_send_eof(self.raw) }
    }

    /// Streams stdout (`stream` 0) and stderr (1) to `deliver` until the remote side
    /// sends end-of-file. Waits on the socket only when neither has data.
    func readUntilEOF(deadline: ContinuousClock.Instant?,
                      _ deliver: (_ stream: Int32, UnsafeRawBufferPointer) -> Void) throws {
        var buffer = [CChar](repeating: 0, count: 32768)
        while true {
            var progressed = false
            var finished = 0
            for stream: Int32 in [0, 1] {
                // EAGAIN is a result here, not something to wait for: the other stream may have data.
                let n = try connection.attempt("reading output", deadline: deadline, { _ in
                    buffer.withUnsafeMutableBufferPointer { tb_ssh2_channel_read(self.raw, stream, $0.baseAddress, $0.count) }
                }, status: { n, _ in n == Int(LIBSSH2_ERROR_EAGAIN) ? 0 : (n < 0 ? Int32(clamping: n) : 0) })
                if n > 0 {
                    progressed = true
                    buffer.withUnsafeBytes { deliver(stream, UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
                } else if n == 0 {
                    finished += 1
                }
            }
            if progressed { continue }
            let eof = try connection.call("checking for end of output", deadline: deadline) { _ in libssh2_channel_eof(self.raw) }
            if eof == 1 && finished == 2 { return }
            // Neither stream had data. Packets for this channel may already have been
            // read off the socket (by the other stream's read or another thread): only
            // wait on the socket if none is pending.
            try connection.wait(deadline: deadline) { _ in hasPendingInput }
        }
    }

    /// Whether output or end-of-file for this channel has been read off the socket and
    /// awaits `tb_ssh2_channel_read`. Under the session lock.
    ///
    /// Not `libssh2_poll_channel_read`: it answers LIBSSH2_ERROR_BUFFER_TOO_SMALL
    /// (non-zero, so "ready") as soon as the session holds any packet shorter than 5
    /// bytes, such as the host's one-byte answer to a keepalive, which libssh2 keeps:
    /// after the first keepalive answer, the wait for output spun without waiting on
    /// the socket, and so without sending keepalives (issue 10).
    private var hasPendingInput: Bool {
        var available: UInt = 0
        _ = libssh2_channel_window_read_ex(raw, &available, nil)
        return available > 0 || libssh2_channel_eof(raw) != 0
    }

    /// Waits for the remote close, then returns the exit status, 128 + n for a
    /// signal `n` (by name, as sshd reports it), or nil if the server sent neither.
    func finish(deadline: ContinuousClock.Instant?) throws -> Int32? {
        try connection.call("closing the channel", deadline: deadline) { _ in tb_ssh2_channel_close(self.raw) }
        try connection.call("waiting for the channel to close", deadline: deadline) { _ in libssh2_channel_wait_closed(self.raw) }
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        _ = libssh2_channel_get_exit_signal(raw, &name, &length, nil, nil, nil, nil)
        if let name {
            let signal = String(cString: name)
            free(name)
            return 128 + (Self.signalNumbers[signal] ?? 0)
        }
        return libssh2_channel_get_exit_status(raw)
    }

    /// Signal names as sshd sends them (RFC 4254 §6.10, without `SIG`).
    static let signalNumbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
    ]
}
