/// How to reach an ssh host: its destination and options, and the gateways
/// (`ProxyJump`, or `via=` in a host declaration) its connection goes through, first
/// hop first. Made by `SSHConfig.route`, which has checked it (no loop, no unknown
/// `ProxyCommand` token).
public struct SSHRoute: Equatable, Sendable {
    /// One gateway: `name` as written (`root@gw.lab`), where and how to connect.
    public struct Hop: Hashable, Sendable {
        public var name: String
        public var destination: SSHDestination
        public var options: SSHOptions
    }

    public var destination: SSHDestination
    public var options: SSHOptions
    /// Empty: the host is reached directly (or through `options.proxyCommand`). Else the
    /// last hop opens the channel to the host, each hop being reached through the ones
    /// before it.
    public var gateways: [Hop]
}
