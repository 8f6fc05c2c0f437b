import Glibc

extension SSHConfig {
    /// The route to `alias` (as written after `ssh`), given explicitly `user`, `port`
    /// and `via` (a `ProxyJump`-style list, `[user@]host[:port]` comma-separated, as
    /// `ssh -J`; it wins over the config's `ProxyJump`/`ProxyCommand`; "none": direct).
    ///
    /// As OpenSSH: `ProxyJump a,b` reaches `b` through `a`, and `a` as the config says
    /// (its own `ProxyJump` or `ProxyCommand`); the first of `ProxyJump` and
    /// `ProxyCommand` found for a host wins. `ProxyCommand`'s `%h`, `%p`, `%r` and `%%`
    /// are expanded (`%n`: the alias). Throws `SSHError.configFailed` naming the file
    /// and line for a `ProxyJump` loop, a malformed hop or an unknown `%` token.
    public func route(alias: String, user: String? = nil, port: Int? = nil, via: String? = nil) throws -> SSHRoute {
        try route(alias: alias, user: user, port: port, via: via.map { ($0, "via=") }, visiting: [])
    }

    private func route(alias: String, user: String?, port: Int?, via: (text: String, origin: String)?,
                       visiting: [String]) throws -> SSHRoute {
        var (destination, options) = resolve(alias: alias, user: user, port: port)
        var jumps = via
        if jumps == nil, let proxy = settings(for: alias).first(where: { ["proxyjump", "proxycommand"].contains($0.key) }) {
            let origin = "\(file):\(proxy.line)"
            if proxy.key == "proxyjump" {
                jumps = (proxy.value, origin)
            } else if proxy.value.lowercased() != "none" {
                options.proxyCommand = try Self.expandProxyCommand(proxy.value, alias: alias, destination: destination,
                                                                   origin: origin)
            }
        }
        guard let (text, origin) = jumps, text.lowercased() != "none" else {
            return SSHRoute(destination: destination, options: options, gateways: [])
        }
        let hops = try text.split(separator: ",", omittingEmptySubsequences: false).map {
            try Self.parseJump(String($0), origin: origin)
        }
        let path = visiting + [alias]
        if let first = hops.first, path.contains(where: { $0.lowercased() == first.host.lowercased() }) {
            let loop = (path + [first.host]).joined(separator: " -> ")
            throw SSHError.configFailed(file: origin, reason: "ProxyJump loop: \(loop)")
        }
        // The first hop as the config says; each next one through those before it.
        let firstRoute = try route(alias: hops[0].host, user: hops[0].user, port: hops[0].port, via: nil, visiting: path)
        var gateways = firstRoute.gateways
        gateways.append(SSHRoute.Hop(name: hops[0].written, destination: firstRoute.destination, options: firstRoute.options))
        for hop in hops.dropFirst() {
            if path.contains(where: { $0.lowercased() == hop.host.lowercased() }) {
                throw SSHError.configFailed(file: origin, reason: "ProxyJump loop: \((path + [hop.host]).joined(separator: " -> "))")
            }
            let (hopDestination, hopOptions) = resolve(alias: hop.host, user: hop.user, port: hop.port)
            gateways.append(SSHRoute.Hop(name: hop.written, destination: hopDestination, options: hopOptions))
        }
        return SSHRoute(destination: destination, options: options, gateways: gateways)
    }

    /// One `[user@]host[:port]` of a jump list (`ssh://` accepted).
    private static func parseJump(_ written: String, origin: String) throws -> (written: String, user: String?, host: String, port: Int?) {
        var text = written.trimmingWhitespace
        if text.hasPrefix("ssh://") { text.removeFirst(6) }
        guard let (user, host, port) = SSHDestination.split(text), !host.contains(" ") else {
            throw SSHError.configFailed(file: origin, reason: "bad ProxyJump hop '\(written)': expected [user@]host[:port]")
        }
        return (written.trimmingWhitespace, user, host, port)
    }

    /// `ProxyCommand` with `%h` (address), `%p` (port), `%r` (user), `%n` (alias) and
    /// `%%` expanded; any other token is an error at `origin`.
    static func expandProxyCommand(_ command: String, alias: String, destination: SSHDestination,
                                   origin: String) throws -> String {
        var out = ""
        var iterator = command.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else { out.append(c); continue }
            switch iterator.next() {
            case "h": out += destination.address
            case "p": out += String(destination.port)
            case "r": out += destination.user
            case "n": out += alias
            case "%": out += "%"
            case let other?:
                throw SSHError.configFailed(file: origin, reason: "unknown token %\(other) in ProxyCommand (known: %h %p %r %n %%)")
            case nil:
                throw SSHError.configFailed(file: origin, reason: "ProxyCommand ends with a lone %")
            }
        }
        return out
    }
}
