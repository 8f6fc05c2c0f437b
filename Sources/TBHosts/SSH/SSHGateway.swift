/// A gateway (`ProxyJump`, or `via=` in a host declaration) shared by every host
/// reached through it: one connection to it, made on first use and again after it was
/// lost, carries every node's session (`SSHTunnelPump`). Its host key is checked like
/// any host's. A gateway reached through another (`ProxyJump a,b`) has that one as
/// `parent`.
public final class SSHGateway: @unchecked Sendable {
    /// As written (`root@gw.lab`): how messages name it.
    public let name: String
    let destination: SSHDestination
    let options: SSHOptions
    let parent: SSHGateway?
    private let connecting = Lock()
    /// Guarded by `connecting`.
    private var pump: SSHTunnelPump?

    public init(hop: SSHRoute.Hop, via parent: SSHGateway?) {
        name = hop.name
        destination = hop.destination
        options = hop.options
        self.parent = parent
    }

    deinit { pump?.stop() }

    /// A socket carrying a TCP connection, from the gateway, to `target`; and the pump
    /// it goes through (which tells why, if the gateway is lost). Throws
    /// `SSHError.gatewayFailed` when the gateway cannot be reached, or
    /// `.connectFailed` when it cannot reach `target`.
    func openTunnel(to target: SSHDestination, timeout: Double) throws -> (FileDescriptor, SSHTunnelPump) {
        let current: SSHTunnelPump = try connecting.withLock {
            if let pump, pump.failureReason == nil { return pump }
            pump?.stop()
            do {
                let connection = try SSHConnection(hostName: name, destination: destination, options: options,
                                                   gateway: parent)
                let made = try SSHTunnelPump(gatewayName: name, connection: connection)
                pump = made
                return made
            } catch let error as SSHError {
                if case .gatewayFailed = error { throw error }
                throw SSHError.gatewayFailed(gateway: name, reason: error.description)
            }
        }
        return (try current.open(host: target.address, port: target.port), current)
    }
}
