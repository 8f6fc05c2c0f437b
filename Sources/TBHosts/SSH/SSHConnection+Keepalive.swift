import CSSH2
import Glibc
import TBEngine

/// Keepalive (`SSHOptions.serverAliveInterval`, `serverAliveCountMax`), timed by this
/// class rather than libssh2 (whose own timer is set to its minimum, one second, so
/// that each `libssh2_keepalive_send` here sends): the request is libssh2's
/// `keepalive@libssh2.org`, which asks the host to answer. Arrivals are timed by the
/// receive callback of the C shim (`tb_ssh2_recv`); anything from the host counts as
/// an answer and resets the count.
///
/// - Whatever a thread waits for on the socket (`waitForSocket`, the only place where
///   one waits), a host silent for an interval since the last thing it sent (or the
///   last keepalive) gets a keepalive; when `serverAliveCountMax` in a row go
///   unanswered — a host that vanished, or hangs, without closing the connection —
///   the connection is marked lost and the waiter fails. A keepalive that cannot be
///   sent because the socket is full (a hung host reads nothing: a transfer fills the
///   socket) counts as unanswered too.
/// - While nobody uses the connection (between targets), a thread sends a keepalive
///   each interval, so that a firewall or NAT keeps the idle connection open. These
///   count like the others, but only a waiter gives up: their answers stay unread
///   until the next user's first libssh2 call reads them, which resets the count.
/// - A keepalive is sent only when libssh2 holds no partly sent packet (it would refuse
///   it, or worse, keep half of it) and the socket has room (`POLLOUT`): libssh2 must
///   never be left holding half a keepalive packet when the next call sends something
///   else.
extension SSHConnection {
    /// Called by every wait on the socket, at least every 200 ms; throws when the host
    /// is given up.
    func keepAlive() throws {
        try lock.withLock {
            if let lostReason { throw SSHError.connectionLost(host: hostName, reason: lostReason) }
            let now = monotonicNs()
            guard keepaliveIsDue(now: now) else { return }
            if unansweredKeepalives >= aliveCountMax {
                let seconds = (now - activity.pointee.last_receive_ns) / 1_000_000_000
                let reason = "no answer for \(seconds) s (\(aliveCountMax) keepalives unanswered)"
                lostReason = reason
                throw SSHError.connectionLost(host: hostName, reason: reason)
            }
            _ = sendKeepalive()
            if let lostReason { throw SSHError.connectionLost(host: hostName, reason: lostReason) }
            lastKeepaliveNs = now
            unansweredKeepalives += 1
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

    /// Sends a keepalive if nobody uses the connection and one is due. False once the
    /// connection is lost (the thread then ends).
    private func idleKeepAlive() -> Bool {
        lock.withLock {
            guard lostReason == nil else { return false }
            let now = monotonicNs()
            if users == 0, keepaliveIsDue(now: now), sendKeepalive() {
                lastKeepaliveNs = now
                unansweredKeepalives += 1
            }
            return lostReason == nil
        }
    }

    /// Under `lock`: whether the host has been silent for an interval since it last
    /// sent anything and since the last keepalive. Anything it sent since that
    /// keepalive answered it: the count starts again.
    private func keepaliveIsDue(now: Int64) -> Bool {
        let lastReceive = activity.pointee.last_receive_ns
        if lastReceive > lastKeepaliveNs { unansweredKeepalives = 0 }
        return now - max(lastReceive, lastKeepaliveNs) >= aliveIntervalNs
    }

    /// Under `lock`: sends one keepalive if libssh2 has no packet half sent and the
    /// socket has room; true if sent. A socket error marks the connection lost.
    private func sendKeepalive() -> Bool {
        guard libssh2_session_block_directions(session) & LIBSSH2_SESSION_BLOCK_OUTBOUND == 0 else { return false }
        var descriptor = pollfd(fd: socket.rawValue, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) == 1, descriptor.revents & Int16(POLLOUT) != 0 else { return false }
        var secondsToNext: Int32 = 0
        let rc = libssh2_keepalive_send(session, &secondsToNext)
        if rc == 0 && libssh2_session_block_directions(session) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
            // Only part of it went (libssh2 reports that as success): no other packet
            // can follow it, so the session cannot go on.
            lostReason = "a keepalive could not be sent whole"
            return false
        }
        if rc == 0 { return true }
        if rc != LIBSSH2_ERROR_EAGAIN { lostReason = "sending a keepalive failed: " + lastErrorMessage(rc) }
        return false
    }
}
