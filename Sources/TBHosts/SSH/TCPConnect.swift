import Glibc

/// Opens a TCP connection to `address:port` (every address getaddrinfo returns, in
/// order) within `timeout` seconds, with TCP_NODELAY set: libssh2 does not set it, and
/// without it every round trip waits ~40 ms for delayed ACKs. The descriptor is
/// close-on-exec and left in blocking mode.
func tcpConnect(address: String, port: Int, timeout: Double) throws -> FileDescriptor {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_protocol = Int32(IPPROTO_TCP)
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(address, String(port), &hints, &list)
    guard rc == 0, let first = list else {
        throw SSHError.resolveFailed(host: address, reason: String(cString: gai_strerror(rc)))
    }
    defer { freeaddrinfo(list) }

    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    var lastError = ECONNREFUSED
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
        entry = info.pointee.ai_next
        let raw = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue)
                         | Int32(SOCK_NONBLOCK.rawValue), info.pointee.ai_protocol)
        guard raw >= 0 else { lastError = errno; continue }
        let socketFD = FileDescriptor(takingOwnership: raw)
        if connect(raw, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { lastError = errno; continue }
            var pollFD = pollfd(fd: raw, events: Int16(POLLOUT), revents: 0)
            var ready: Int32 = 0
            repeat {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else {
                    throw SSHError.connectTimedOut(host: address, port: port, seconds: timeout)
                }
                ready = poll(&pollFD, 1, Int32(max(1, remaining / .milliseconds(1))))
            } while ready < 0 && errno == EINTR || ready == 0
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(raw, SOL_SOCKET, SO_ERROR, &code, &length)
            guard code == 0 else { lastError = code; continue }
        }
        var one: Int32 = 1
        setsockopt(raw, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let flags = fcntl(raw, F_GETFL)
        _ = fcntl(raw, F_SETFL, flags & ~O_NONBLOCK)
        return socketFD
    }
    throw SSHError.connectFailed(host: address, port: port, reason: errnoDescription(lastError))
}
