import CSSH2
import Glibc

/// libssh2's global state, initialised once per process before the first session.
private let libssh2Initialisation: Int32 = libssh2_init(0)

/// One authenticated ssh connection to a host: owns the `LIBSSH2_SESSION*` and the
/// TCP socket, both released in `deinit` (disconnect, free, close).
///
/// Threading: libssh2 sessions are not thread-safe, so every libssh2 call on this
/// session (and on its channels and SFTP handles) goes through `attempt`, which holds
/// `lock` for that one call only. The session is in non-blocking mode: a call that
/// would block returns EAGAIN, the lock is released, and the thread polls the socket
/// in the directions libssh2 asks for. So several channels (commands of different
/// targets) can be in flight at once on one connection, up to `channelSlots`
/// (sshd's `MaxSessions 10`, less one kept for SFTP). Because another thread may
/// read the packets a waiting thread needs, waits are capped at 2 ms whenever more
/// than one thread uses the session.
///
/// Once a socket-level error is seen the connection is marked lost and every later
/// call fails with `SSHError.connectionLost`; the owner makes a new connection.
///
/// Keepalive (`SSHOptions.serverAliveInterval`): see `SSHConnection+Keepalive.swift`.
final class SSHConnection: @unchecked Sendable {
    /// The name used in messages (the Targetfile's host name).
    let hostName: String
    let destination: SSHDestination
    /// `SHA256:<base64>` of the host key, as OpenSSH prints it. Set while connecting.
    var hostKeyFingerprint = ""

    let session: OpaquePointer
    let socket: FileDescriptor
    let lock = Lock()
    /// Guarded by `lock`.
    var lostReason: String?
    /// Threads currently inside `attempt` or `wait` (guarded by `lock`).
    private(set) var users = 0
    /// Channels that may be open at once for commands.
    let channelSlots = Semaphore(value: 9)
    /// Held while a channel is opened and its command or subsystem started: libssh2 keeps
    /// the state of those requests in the session, not the channel (1.10's
    /// `startup_local_channel`, `open_state`), so two at once on one connection mix up
    /// their replies ("Failed waiting for channel success").
    let channelStartup = Lock()
    /// Written by the receive callback, inside libssh2 calls (under `lock`).
    let activity: UnsafeMutablePointer<tb_ssh2_activity>
    let aliveIntervalNs: Int64
    let aliveCountMax: Int
    /// Guarded by `lock`: when the last keepalive was due, and how many were due since
    /// the host last sent anything (see `SSHConnection+Keepalive.swift`).
    var lastKeepaliveNs: Int64 = 0
    var unansweredKeepalives = 0

    /// What carries the bytes when it is not a plain TCP socket: the gateway's tunnel
    /// pump or the `ProxyCommand` process, kept for as long as the connection.
    private let transport: AnyObject?
    /// Why the gateway the connection goes through was lost, if it was: a connection
    /// broken by its gateway says so (one line naming the gateway).
    private let gatewayFailure: (() -> String?)?

    /// Connects (through `gateway`'s connection when given, else through
    /// `options.proxyCommand` or TCP), verifies the host key against
    /// `options.knownHostsFile`, and authenticates, all within `options.connectTimeout`
    /// per step. At most `HandshakeThrottle.limit` handshakes per server at once; a
    /// handshake the server drops (reset, or closed before its banner: `MaxStartups`)
    /// is tried again after 0.1, 0.2, 0.4… s, while the connect timeout allows.
    /// Throws `SSHError`.
    init(hostName: String, destination: SSHDestination, options: SSHOptions, gateway: SSHGateway? = nil) throws {
        precondition(libssh2Initialisation == 0, "libssh2_init failed")
        self.hostName = hostName
        self.destination = destination
        aliveIntervalNs = Int64(options.serverAliveInterval) * 1_000_000_000
        aliveCountMax = options.serverAliveCountMax
        let activity = UnsafeMutablePointer<tb_ssh2_activity>.allocate(capacity: 1)
        activity.initialize(to: tb_ssh2_activity(last_receive_ns: 0))
        self.activity = activity
        let slot = HandshakeThrottle.shared.acquire(server: "\(destination.address):\(destination.port)")
        defer { slot.signal() }
        var opened: (socket: FileDescriptor, session: OpaquePointer, transport: AnyObject?, pump: SSHTunnelPump?)?
        do {
            opened = try Self.handshake(hostName: hostName, destination: destination, options: options,
                                        gateway: gateway, activity: activity)
        } catch {
            activity.deallocate()
            throw error
        }
        let (socket, session, transport, pump) = opened!
        self.socket = socket
        self.session = session
        self.transport = transport
        gatewayFailure = pump.map { pump in { pump.failureReason } }
        try verifyHostKey(options: options)
        try authenticate(options: options)
        libssh2_session_set_timeout(session, 0)
        libssh2_session_set_blocking(session, 0)
        if aliveIntervalNs > 0 {
            // libssh2's own timer at its minimum: `keepAlive()` decides when to send.
            libssh2_keepalive_config(session, 1, 1)
            activity.pointee.last_receive_ns = monotonicNs()
            startIdleKeepalive()
        }
    }

    /// Opens the byte stream and runs the ssh handshake on it, again after a dropped one.
    private static func handshake(hostName: String, destination: SSHDestination, options: SSHOptions,
                                  gateway: SSHGateway?, activity: UnsafeMutablePointer<tb_ssh2_activity>) throws
        -> (FileDescriptor, OpaquePointer, AnyObject?, SSHTunnelPump?) {
        let deadline = ContinuousClock.now + .milliseconds(Int(options.connectTimeout * 1000))
        var backoff = Duration.milliseconds(100)
        while true {
            var transport: AnyObject?
            var pump: SSHTunnelPump?
            let socket: FileDescriptor
            if let gateway {
                (socket, pump) = try gateway.openTunnel(to: destination, timeout: options.connectTimeout)
                transport = pump
            } else if let command = options.proxyCommand {
                let process = try SSHProxyCommand(command: command, host: hostName)
                socket = process.socket
                transport = process
            } else {
                socket = try tcpConnect(address: destination.address, port: destination.port,
                                        timeout: options.connectTimeout)
            }
            guard let session = tb_ssh2_session_init(activity) else {
                throw SSHError.library(host: hostName, operation: "libssh2_session_init", code: -1, message: "out of memory")
            }
            // Blocking with a timeout while connecting (the agent API has no non-blocking form).
            libssh2_session_set_blocking(session, 1)
            let remaining = max(0.001, Double((deadline - ContinuousClock.now) / .milliseconds(1)) / 1000)
            libssh2_session_set_timeout(session, max(1, Int(remaining * 1000)))
            let rc = libssh2_session_handshake(session, socket.rawValue)
            if rc == 0 { return (socket, session, transport, pump) }
            let message = Self.lastError(of: session, rc)
            libssh2_session_free(session)
            if rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT {
                throw SSHError.connectTimedOut(host: destination.address, port: destination.port,
                                               seconds: options.connectTimeout)
            }
            let dropped = [LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND,
                           LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_BANNER_RECV].contains(rc)
            if let pump, let failure = pump.failureReason {
                throw SSHError.connectionLost(host: "\(destination.address):\(destination.port)", reason: failure)
            }
            guard dropped, ContinuousClock.now + backoff < deadline else {
                throw SSHError.connectionLost(host: "\(destination.address):\(destination.port)",
                                              reason: "ssh handshake failed: " + message)
            }
            usleep(UInt32(backoff / .microseconds(1)))
            backoff *= 2
        }
    }

    /// libssh2's message for the last error on `session`.
    private static func lastError(of session: OpaquePointer, _ code: Int32) -> String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        _ = libssh2_session_last_error(session, &message, &length, 0)
        guard let message, length > 0 else { return "libssh2 error \(code)" }
        return String(cString: message)
    }

    /// Why the connection is lost, given libssh2's `message`: the gateway's failure
    /// when the gateway it goes through was lost.
    func lossReason(_ message: String) -> String {
        gatewayFailure?() ?? message
    }

    deinit {
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, 1000)
        if lostReason == nil { _ = tb_ssh2_session_disconnect(session, "tbmake done") }
        libssh2_session_free(session)
        activity.deallocate()
        // `socket` closes when it is released, after this.
    }

    var isLost: Bool { lock.withLock { lostReason != nil } }

    /// libssh2's message for the last error on this session.
    func lastErrorMessage(_ code: Int32) -> String {
        Self.lastError(of: session, code)
    }

    /// Marks the connection lost (e.g. a channel saw the peer vanish).
    func markLost(_ reason: String) {
        lock.withLock { if lostReason == nil { lostReason = reason } }
    }

    /// Runs one libssh2 call under the session lock until it stops reporting EAGAIN,
    /// polling the socket (without the lock) in between. `status` maps the call's
    /// result to 0/positive (done), `LIBSSH2_ERROR_EAGAIN`, or another negative code
    /// (thrown as `SSHError`, with libssh2's message, naming `operation`).
    /// Throws `SSHDeadlineExceeded` when `deadline` passes while waiting.
    func attempt<T>(_ operation: String, deadline: ContinuousClock.Instant? = nil,
                    _ body: (OpaquePointer) -> T, status: (T, OpaquePointer) -> Int32) throws -> T {
        try using { try attemptUntilDone(operation, deadline: deadline, body, status: status) }
    }

    private func attemptUntilDone<T>(_ operation: String, deadline: ContinuousClock.Instant?,
                                     _ body: (OpaquePointer) -> T, status: (T, OpaquePointer) -> Int32) throws -> T {
        while true {
            var directions: Int32 = 0
            var shared = false
            let outcome: Result<T?, SSHError> = lock.withLock {
                if let lostReason { return .failure(.connectionLost(host: hostName, reason: lostReason)) }
                let result = body(session)
                let code = status(result, session)
                if code >= 0 { return .success(result) }
                if code == LIBSSH2_ERROR_EAGAIN {
                    directions = libssh2_session_block_directions(session)
                    shared = users > 1
                    return .success(nil)
                }
                let message = lastErrorMessage(code)
                if Self.isConnectionFailure(code) {
                    lostReason = lossReason(message)
                    return .failure(.connectionLost(host: hostName, reason: lostReason!))
                }
                return .failure(.library(host: hostName, operation: operation, code: code, message: message))
            }
            if let value = try outcome.get() { return value }
            try waitForSocket(directions: directions, shared: shared, deadline: deadline)
        }
    }

    /// `attempt` for calls returning an `Int32` status.
    @discardableResult
    func call(_ operation: String, deadline: ContinuousClock.Instant? = nil,
              _ body: (OpaquePointer) -> Int32) throws -> Int32 {
        try attempt(operation, deadline: deadline, body, status: { rc, _ in min(rc, 0) })
    }

    /// `attempt` for calls returning a byte count (`ssize_t`).
    func callCount(_ operation: String, deadline: ContinuousClock.Instant? = nil,
                   _ body: (OpaquePointer) -> Int) throws -> Int {
        try attempt(operation, deadline: deadline, body, status: { n, _ in n < 0 ? Int32(clamping: n) : 0 })
    }

    /// `attempt` for calls returning a handle, nil on failure (EAGAIN from the session's errno).
    func callHandle(_ operation: String, deadline: ContinuousClock.Instant? = nil,
                    _ body: (OpaquePointer) -> OpaquePointer?) throws -> OpaquePointer {
        try attempt(operation, deadline: deadline, body, status: { handle, session in
            guard handle == nil else { return 0 }
            let code = libssh2_session_last_errno(session)
            return code == 0 ? -1 : code
        })!
    }

    /// Waits until the socket is readable (or writable, if libssh2 is waiting to
    /// send), unless `ready` — checked under the lock — says there is work already.
    /// Either way, the keepalive is looked after first (see `waitForSocket`).
    func wait(deadline: ContinuousClock.Instant?, unless ready: (OpaquePointer) -> Bool) throws {
        try using {
            var directions: Int32 = 0
            var shared = false
            let pending: Bool = try lock.withLock {
                if let lostReason { throw SSHError.connectionLost(host: hostName, reason: lostReason) }
                directions = libssh2_session_block_directions(session) | LIBSSH2_SESSION_BLOCK_INBOUND
                shared = users > 1
                return ready(session)
            }
            try waitForSocket(directions: directions, shared: shared, deadline: deadline, pending: pending)
        }
    }

    /// Runs `body` counted among the connection's `users`, so that the idle keepalive
    /// thread leaves the connection to it.
    private func using<T>(_ body: () throws -> T) rethrows -> T {
        lock.withLock { users += 1 }
        defer { lock.withLock { users -= 1 } }
        return try body()
    }

    /// The one place where a thread waits on the session's socket, so the one place
    /// where keepalives are sent and counted while someone waits for the host, whatever
    /// it waits for (output, an exit status, a transfer's acknowledgements, room to
    /// send): a host that stops answering fails the wait within
    /// `serverAliveInterval × (serverAliveCountMax + 1)`. With `pending` (the caller
    /// already has work) only the keepalive is looked after.
    private func waitForSocket(directions: Int32, shared: Bool, deadline: ContinuousClock.Instant?,
                               pending: Bool = false) throws {
        if aliveIntervalNs > 0 { try keepAlive() }
        var timeout: Int32 = -1
        if let deadline {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { throw SSHDeadlineExceeded() }
            timeout = Int32(min(2_000_000_000, max(1, (remaining / .milliseconds(1)).rounded(.up))))
        }
        if pending { return }
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if shared || events == 0 { timeout = timeout < 0 ? 2 : min(timeout, 2) }
        // Insurance against a wake-up missed because libssh2 already buffered what we wait for.
        timeout = timeout < 0 ? 200 : min(timeout, 200)
        if events == 0 { events = Int16(POLLIN) }
        var descriptor = pollfd(fd: socket.rawValue, events: events, revents: 0)
        _ = poll(&descriptor, 1, timeout)
    }

    static func isConnectionFailure(_ code: Int32) -> Bool {
        [LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
         LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_BAD_SOCKET].contains(code)
    }
}

/// Thrown by `SSHConnection.attempt` when the caller's deadline passes.
struct SSHDeadlineExceeded: Error {}

/// A counting semaphore (glibc `sem_t` at a stable address).
final class Semaphore: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>

    init(value: UInt32) {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, value)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func wait() { while sem_wait(semaphore) != 0 && errno == EINTR {} }
    func signal() { sem_post(semaphore) }
}
