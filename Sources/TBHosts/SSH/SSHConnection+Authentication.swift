import CSSH2
import Glibc

extension SSHConnection {
    /// Public-key authentication: every identity of ssh-agent (when `SSH_AUTH_SOCK` is
    /// set), then each key file. A passphrase-protected key file is not tried (there is
    /// no one to ask); if nothing else works, the error names it.
    func authenticate(options: SSHOptions) throws {
        let session = rawSession
        let user = destination.user
        var tried: [String] = []
        if options.useAgent, let socketPath = getenv("SSH_AUTH_SOCK"), socketPath.pointee != 0,
           try authenticateWithAgent(user: user) {
            return
        } else if options.useAgent, getenv("SSH_AUTH_SOCK")?.pointee ?? 0 != 0 {
            tried.append("ssh-agent")
        }

        let explicit = !options.identityFiles.isEmpty
        let files = explicit ? options.identityFiles.map(expandTilde)
            : ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"].map(expandTilde)
        var protectedKey: String?
        for file in files {
            guard case .success(let contents) = readWholeFile(file) else {
                if explicit { tried.append(file + " (unreadable)") }
                continue
            }
            if Self.isPassphraseProtected(contents) {
                protectedKey = protectedKey ?? file
                tried.append(file + " (passphrase-protected)")
                continue
            }
            tried.append(file)
            let publicKey = (try? readWholeFile(file + ".pub").get()) != nil ? file + ".pub" : nil
            let rc = tb_ssh2_userauth_publickey_fromfile(session, user, publicKey, file, "")
            if rc == 0 { return }
            if rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_SEND
                || rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_TIMEOUT {
                throw SSHError.connectionLost(host: hostName, reason: lastErrorMessage(rc))
            }
        }
        if let protectedKey {
            throw SSHError.passphraseProtected(host: hostName, keyFile: protectedKey)
        }
        throw SSHError.authenticationFailed(host: hostName, user: user, tried: tried)
    }

    /// True if one of the agent's identities was accepted.
    private func authenticateWithAgent(user: String) throws -> Bool {
        guard let agent = libssh2_agent_init(rawSession) else { return false }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        guard libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 else { return false }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
        while libssh2_agent_get_identity(agent, &identity, previous) == 0, let current = identity {
            if libssh2_agent_userauth(agent, user, current) == 0 { return true }
            previous = current
        }
        return false
    }

    /// Whether a private key file needs a passphrase: an OpenSSH-format key whose
    /// cipher is not `none`, or an encrypted PEM key.
    static func isPassphraseProtected(_ contents: [UInt8]) -> Bool {
        let text = String(decoding: contents, as: UTF8.self)
        if text.contains("ENCRYPTED") { return true }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        guard let start = lines.firstIndex(of: "-----BEGIN OPENSSH PRIVATE KEY-----"),
              let stop = lines.firstIndex(of: "-----END OPENSSH PRIVATE KEY-----"), start < stop,
              let blob = Base64.decode(lines[(start + 1)..<stop].joined()) else { return false }
        let magic = Array("openssh-key-v1\0".utf8)
        guard blob.count > magic.count + 4, Array(blob.prefix(magic.count)) == magic else { return false }
        let at = magic.count
        var length = 0
        for k in 0..<4 { length = length << 8 | Int(blob[at + k]) }
        guard blob.count >= at + 4 + length else { return false }
        let cipher = String(decoding: blob[(at + 4)..<(at + 4 + length)], as: UTF8.self)
        return cipher != "none"
    }
}
