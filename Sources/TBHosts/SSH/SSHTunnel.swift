import CSSH2
import Glibc

/// One direct-tcpip channel on a gateway's connection and the socket-pair end it is
/// pumped to (the other end is a node's `SSHConnection` socket). Used by the pump
/// thread only, under the gateway connection's lock.
final class SSHTunnel {
    let channel: OpaquePointer
    /// The pump's end, non-blocking.
    let socket: FileDescriptor
    /// Bytes from the node's host, not yet written to `socket`.
    private var toNode: [UInt8] = []
    private var toNodeOffset = 0
    /// Bytes from `socket`, not yet written to the channel.
    private var toHost: [UInt8] = []
    private var toHostOffset = 0
    private var hostEnded = false
    /// Set once the tunnel is done (either side closed, or an error): the pump frees the channel.
    private(set) var finished = false

    init(channel: OpaquePointer, socket: FileDescriptor) {
        self.channel = channel
        self.socket = socket
    }

    /// Whether the pump should poll `socket` for reading / writing.
    var wantsNodeInput: Bool { !finished && toHost.isEmpty }
    var wantsNodeOutput: Bool { !finished && toNodeOffset < toNode.count }
    /// Whether the pump should wait for the gateway's socket on this tunnel's behalf.
    var wantsHostInput: Bool { !finished && !hostEnded && toNodeOffset >= toNode.count }

    /// Moves what can be moved each way without blocking; true if anything moved.
    /// Throws the libssh2 code of an error that breaks the gateway's connection.
    func pump(_ buffer: UnsafeMutableRawBufferPointer) throws -> Bool {
        var progress = false
        // Host → node.
        if wantsHostInput {
            let n = tb_ssh2_channel_read(channel, 0, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
            if n > 0 {
                toNode = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                toNodeOffset = 0
                progress = true
            } else if n == 0 || (n == Int(LIBSSH2_ERROR_EAGAIN) && libssh2_channel_eof(channel) != 0) {
                if libssh2_channel_eof(channel) != 0 {
                    hostEnded = true
                    shutdown(socket.rawValue, Int32(SHUT_WR))
                    progress = true
                }
            } else if n != Int(LIBSSH2_ERROR_EAGAIN) {
                try fail(Int32(clamping: n))
                return true
            }
        }
        if toNodeOffset < toNode.count {
            let written = toNode[toNodeOffset...].withUnsafeBytes { write(socket.rawValue, $0.baseAddress, $0.count) }
            if written > 0 {
                toNodeOffset += written
                progress = true
            } else if written < 0 && errno != EAGAIN && errno != EINTR {
                finished = true
                return true
            }
        }
        // Node → host.
        if wantsNodeInput {
            let n = read(socket.rawValue, buffer.baseAddress, buffer.count)
            if n > 0 {
                toHost = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                toHostOffset = 0
                progress = true
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                // The node's connection is gone: so is the tunnel.
                finished = true
                return true
            }
        }
        while toHostOffset < toHost.count {
            let sent = toHost[toHostOffset...].withUnsafeBytes {
                libssh2_channel_write_ex(channel, 0, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if sent > 0 {
                toHostOffset += sent
                progress = true
            } else if sent == Int(LIBSSH2_ERROR_EAGAIN) {
                break
            } else {
                try fail(Int32(clamping: sent))
                return true
            }
        }
        if toHostOffset >= toHost.count { toHost = []; toHostOffset = 0 }
        return progress
    }

    /// A channel error: the gateway's connection is broken (thrown) or only this
    /// channel is (the tunnel finishes).
    private func fail(_ code: Int32) throws {
        finished = true
        if SSHConnection.isConnectionFailure(code) { throw SSHTunnelBroken(code: code) }
    }
}
