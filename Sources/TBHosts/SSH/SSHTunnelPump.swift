import CSSH2
import Glibc
import TBEngine

/// One live connection to a gateway and the one thread that carries every node
/// session through it: each node's `SSHConnection` talks ssh on one end of a socket
/// pair; this thread opens a direct-tcpip channel to the node on the gateway's session
/// and moves bytes between the channel and the other end. The thread alone touches
/// the gateway's session after it is made (under its lock, as the idle keepalive
/// does), so channel opens are queued to it (`open`).
///
/// When the gateway's connection breaks, every tunnel is closed at once (the nodes'
/// connections then fail, naming the gateway through `failureReason`), waiting opens
/// fail, and the thread ends; `SSHGateway` makes a new pump on the next open.
final class SSHTunnelPump: @unchecked Sendable {
    let gatewayName: String
    let connection: SSHConnection

    /// A node's request for a tunnel, answered by the pump thread.
    private final class Request {
        let host: String
        let port: Int
        let done = Semaphore(value: 0)
        var result: Result<FileDescriptor, SSHError>?
        init(host: String, port: Int) { self.host = host; self.port = port }
    }

    private let lock = Lock()
    /// Guarded by `lock`.
    private var requests: [Request] = []
    private var failure: String?
    private var stopping = false
    private let wake: (read: FileDescriptor, write: FileDescriptor)
    /// The pump thread's own.
    private var tunnels: [SSHTunnel] = []
    private var closing: [OpaquePointer] = []

    init(gatewayName: String, connection: SSHConnection) throws {
        self.gatewayName = gatewayName
        self.connection = connection
        wake = try FileDescriptor.pipe()
        _ = fcntl(wake.read.rawValue, F_SETFL, fcntl(wake.read.rawValue, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wake.write.rawValue, F_SETFL, fcntl(wake.write.rawValue, F_GETFL) | O_NONBLOCK)
        Worker.spawn { [self] in run() }
    }

    /// Why the gateway's connection was lost (one line naming the gateway); nil while it lives.
    var failureReason: String? { lock.withLock { failure }.map { "gateway \(gatewayName): " + $0 } }

    /// A socket that carries a TCP connection from the gateway to `host:port`.
    func open(host: String, port: Int) throws -> FileDescriptor {
        let request = Request(host: host, port: port)
        try lock.withLock {
            if let failure { throw SSHError.gatewayFailed(gateway: gatewayName, reason: failure) }
            requests.append(request)
        }
        poke()
        request.done.wait()
        return try request.result!.get()
    }

    /// Ends the thread (closing every tunnel) once the gateway is no longer needed.
    func stop() {
        lock.withLock { stopping = true }
        poke()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write.rawValue, &byte, 1)
    }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32768, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            if lock.withLock({ stopping }) { return finish("the run ended") }
            let receivedBefore = connection.activity.pointee.last_receive_ns
            let progress: Bool
            do {
                if !tunnels.isEmpty || lock.withLock({ !requests.isEmpty }) { try connection.keepAlive() }
                progress = try connection.lock.withLock { try pass(buffer) }
            } catch let error as SSHError {
                if case .connectionLost(_, let reason) = error { return finish(reason) }
                return finish(error.description)
            } catch let broken as SSHTunnelBroken {
                let reason = connection.lastErrorMessage(broken.code)
                connection.markLost(reason)
                return finish(reason)
            } catch {
                return finish("\(error)")
            }
            // Bytes read for one channel while serving another are served on the next pass.
            if progress || connection.activity.pointee.last_receive_ns != receivedBefore { continue }
            waitForWork()
        }
    }

    /// Under the connection's lock: one channel open (continued), every tunnel pumped,
    /// finished channels freed. True if anything moved.
    private func pass(_ buffer: UnsafeMutableRawBufferPointer) throws -> Bool {
        var progress = false
        let session = connection.session
        if let request = lock.withLock({ requests.first }) {
            if let channel = libssh2_channel_direct_tcpip_ex(session, request.host, Int32(request.port), "127.0.0.1", 22) {
                progress = true
                answer(request, with: makeTunnel(channel))
            } else {
                let code = libssh2_session_last_errno(session)
                if code != LIBSSH2_ERROR_EAGAIN {
                    if SSHConnection.isConnectionFailure(code) { throw SSHTunnelBroken(code: code) }
                    progress = true
                    let reason = "\(gatewayName) cannot open a channel to it: " + connection.lastErrorMessage(code)
                    answer(request, with: .failure(.connectFailed(host: request.host, port: request.port, reason: reason)))
                }
            }
        }
        for tunnel in tunnels where try tunnel.pump(buffer) { progress = true }
        for tunnel in tunnels where tunnel.finished { closing.append(tunnel.channel) }
        tunnels.removeAll { $0.finished }
        closing.removeAll { libssh2_channel_free($0) != LIBSSH2_ERROR_EAGAIN }
        return progress
    }

    private func makeTunnel(_ channel: OpaquePointer) -> Result<FileDescriptor, SSHError> {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            closing.append(channel)
            return .failure(.connectionLost(host: gatewayName, reason: "socketpair: " + errnoDescription(errno)))
        }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        tunnels.append(SSHTunnel(channel: channel, socket: FileDescriptor(takingOwnership: fds[1])))
        return .success(FileDescriptor(takingOwnership: fds[0]))
    }

    private func answer(_ request: Request, with result: Result<FileDescriptor, SSHError>) {
        _ = lock.withLock { requests.removeFirst() }
        request.result = result
        request.done.signal()
    }

    /// Polls the wake pipe, the tunnels' sockets, and the gateway's socket when some
    /// tunnel or open waits on it; at most 200 ms (keepalives).
    private func waitForWork() {
        var descriptors = [pollfd(fd: wake.read.rawValue, events: Int16(POLLIN), revents: 0)]
        let opening = lock.withLock { !requests.isEmpty }
        if opening || tunnels.contains(where: \.wantsHostInput) {
            var events = Int16(POLLIN)
            if connection.lock.withLock({ libssh2_session_block_directions(connection.session) })
                & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
            descriptors.append(pollfd(fd: connection.socket.rawValue, events: events, revents: 0))
        }
        for tunnel in tunnels {
            var events: Int16 = 0
            if tunnel.wantsNodeInput { events |= Int16(POLLIN) }
            if tunnel.wantsNodeOutput { events |= Int16(POLLOUT) }
            if events != 0 { descriptors.append(pollfd(fd: tunnel.socket.rawValue, events: events, revents: 0)) }
        }
        _ = poll(&descriptors, nfds_t(descriptors.count), 200)
        var drain = [UInt8](repeating: 0, count: 64)
        while read(wake.read.rawValue, &drain, drain.count) > 0 {}
    }

    /// The gateway is lost (or no longer needed): every tunnel closes, waiting opens fail.
    private func finish(_ reason: String) {
        let waiting: [Request] = lock.withLock {
            if failure == nil { failure = "connection lost: " + reason }
            defer { requests = [] }
            return requests
        }
        connection.markLost(reason)
        tunnels = []
        for request in waiting {
            request.result = .failure(.gatewayFailed(gateway: gatewayName, reason: "connection lost: " + reason))
            request.done.signal()
        }
    }
}
