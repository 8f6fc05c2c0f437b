import CSSH2
import Glibc

extension SSHConnection {
    /// Public-key authentication: every identity of ssh-agent (when `SSH_AUTH_SOCK` is
    /// set), then each key file. A passphrase-protected key file is not tried (there is
    /// no one to ask); if nothing else works, the error names it.
    func authenticate(options: SSHOptions) throws {
        let user = destination.user
        var tried: [String] = []
        if options.useAgent, let socketPath = getenv("SSH_AUTH_SOCK"), socketPath.pointee != 0 {
            if try authenticateWithAgent(user: user) { return }
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
            // RSA: SHA-2 signatures first (what OpenSSH ≥ 8.8 accepts), then libssh2's SHA-1.
            if let rsa = RSAUserKey(privateKeyFile: contents) {
                for algorithm in [RSAUserKey.Algorithm.sha512, .sha256] where try authenticate(user: user, rsa: rsa, algorithm) {
                    return
                }
            }
            let publicKey = access(file + ".pub", R_OK) == 0 ? file + ".pub" : nil
            if try accepted(tb_ssh2_userauth_publickey_fromfile(session, user, publicKey, file, "")) { return }
        }
        if let protectedKey {
            throw SSHError.passphraseProtected(host: hostName, keyFile: protectedKey)
        }
        throw SSHError.authenticationFailed(host: hostName, user: user, tried: tried)
    }

    /// True if the server accepted `rsa` signing with `algorithm`.
    private func authenticate(user: String, rsa: RSAUserKey, _ algorithm: RSAUserKey.Algorithm) throws -> Bool {
        rsa.algorithm = algorithm
        let blob = rsa.publicBlob
        var context: UnsafeMutableRawPointer? = Unmanaged.passUnretained(rsa).toOpaque()
        let rc = withExtendedLifetime(rsa) {
            libssh2_userauth_publickey(session, user, blob, blob.count, signWithRSAUserKey, &context)
        }
        return try accepted(rc)
    }

    /// True for 0; throws when the code says the connection broke; false otherwise.
    private func accepted(_ rc: Int32) throws -> Bool {
        if rc == 0 { return true }
        if Self.isConnectionFailure(rc) { throw SSHError.connectionLost(host: hostName, reason: lastErrorMessage(rc)) }
        return false
    }

    /// True if one of the agent's identities was accepted.
    private func authenticateWithAgent(user: String) throws -> Bool {
        guard let agent = libssh2_agent_init(session) else { return false }
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
        if String(decoding: contents, as: UTF8.self).contains("ENCRYPTED") { return true }
        return OpenSSHPrivateKey(contents)?.isEncrypted ?? false
    }
}

/// libssh2's sign callback for `RSAUserKey` (passed as `abstract`): the signature of
/// `data`, in memory libssh2 frees with `free`.
private let signWithRSAUserKey: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, UnsafeMutablePointer<Int>?,
    UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Int32 = { _, signature, length, data, count, abstract in
    guard let signature, let length, let data, let context = abstract?.pointee else { return -1 }
    let key = Unmanaged<RSAUserKey>.fromOpaque(context).takeUnretainedValue()
    guard let bytes = key.sign(UnsafeRawBufferPointer(start: data, count: count)),
          let memory = malloc(bytes.count) else { return -1 }
    memory.copyMemory(from: bytes, byteCount: bytes.count)
    signature.pointee = memory.assumingMemoryBound(to: UInt8.self)
    length.pointee = bytes.count
    return 0
}
