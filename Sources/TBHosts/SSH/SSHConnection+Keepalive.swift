import CSSH2
import Glibc
import TBEngine

/// Keepalive (`SSHOptions.serverAliveInterval`, `serverAliveCountMax`), timed by this
/// class rather than libssh2 (whose own timer is set to its minimum, one second, so
/// that each `libssh2_keepalive_send` here sends): the request is libssh2's
/// `keepalive@libssh2.org`, which asks the host to answer. Arrivals are timed by the
/// receive callback of the C shim (`tb_ssh2_recv`).
///
/// - While a thread waits on the socket, a host silent for an interval since the last
///   thing it sent (or the last keepalive) gets a keepalive; when `serverAliveCountMax`
///   in a row go unanswered — a host that vanished, or hangs, without closing the
///   connection — the connection is marked lost and the waiter fails.
/// - While nobody uses the connection (between targets), a thread sends a keepalive
///   each interval, so that a firewall or NAT keeps the idle connection open. Their
///   answers are read by the next user; they are not counted as unanswered.
/// - A keepalive is sent only when the socket has room (`POLLOUT`): libssh2 must never
///   be left holding half a keepalive packet when the next call sends something else.
extension SSHConnection {
    /// Called while waiting on the socket, at least every 200 ms; throws when the host
    /// is given up.
    func keepAlive() throws {
        try lock.withLock {
            if let lostReason { throw SSHError.connectionLost(host: hostName, reason: lostReason) }
            let now = monotonicNs()
            let lastReceive = activity.pointee.last_receive_ns
            if lastReceive > lastKeepaliveNs { unansweredKeepalives = 0 }
            guard now - max(lastReceive, lastKeepaliveNs) >= aliveIntervalNs else { return }
            if unansweredKeepalives >= aliveCountMax {
                let seconds = (now - lastReceive) / 1_000_000_000
                let reason = "no answer for \(seconds) s (\(aliveCountMax) keepalives unanswered)"
                lostReason = reason
                throw SSHError.connectionLost(host: hostName, reason: reason)
            }
            if sendKeepalive(now: now) { unansweredKeepalives += 1 }
        }
    }

    /// Starts the thread that keeps an idle connection alive; it ends within a second
    /// of the connection being released or lost.
    func startIdleKeepalive() {
        Worker.spawn { [weak self] in
            while true {
                usleep(250_000)
                guard let connection = self, connection.idleKeepAlive() else { return }
            }
        }
    }

    /// Sends a keepalive if nobody uses the connection and the host has been silent for
    /// an interval. False once the connection is lost (the thread then ends).
    private func idleKeepAlive() -> Bool {
        lock.withLock {
            guard lostReason == nil else { return false }
            let now = monotonicNs()
            guard users == 0, now - max(activity.pointee.last_receive_ns, lastKeepaliveNs) >= aliveIntervalNs else {
                return true
            }
            if sendKeepalive(now: now) { unansweredKeepalives = 0 }
            return lostReason == nil
        }
    }

    /// Under `lock`: sends one keepalive if the socket has room; true if sent. A socket
    /// error marks the connection lost.
    private func sendKeepalive(now: Int64) -> Bool {
        var descriptor = pollfd(fd: socket.rawValue, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) == 1, descriptor.revents & Int16(POLLOUT) != 0 else { return false }
        var secondsToNext: Int32 = 0
        let rc = libssh2_keepalive_send(session, &secondsToNext)
        if rc == 0 {
            lastKeepaliveNs = now
            return true
        }
        if rc != LIBSSH2_ERROR_EAGAIN { lostReason = "sending a keepalive failed: " + lastErrorMessage(rc) }
        return false
    }
}
