/// A private key file in OpenSSH's own format (`-----BEGIN OPENSSH PRIVATE KEY-----`,
/// `openssh-key-v1`), read as far as tbmake needs: whether it is encrypted, and for an
/// unencrypted key its type and private fields.
struct OpenSSHPrivateKey {
    /// `none` for a key without passphrase.
    var cipher: String
    /// `ssh-ed25519`, `ssh-rsa`, …; empty when encrypted (the type is inside the secret part).
    var keyType: String
    /// The private section after the key type, for an unencrypted key (for `ssh-rsa`:
    /// mpints n, e, d, iqmp, p, q, then the comment).
    var fields: SSHWireReader?

    var isEncrypted: Bool { cipher != "none" }

    /// nil when `contents` is not an OpenSSH-format key.
    init?(_ contents: [UInt8]) {
        let lines = String(decoding: contents, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        guard let start = lines.firstIndex(of: "-----BEGIN OPENSSH PRIVATE KEY-----"),
              let stop = lines.firstIndex(of: "-----END OPENSSH PRIVATE KEY-----"), start < stop,
              let blob = Base64.decode(lines[(start + 1)..<stop].joined()) else { return nil }
        let magic = Array("openssh-key-v1\0".utf8)
        guard blob.starts(with: magic) else { return nil }
        var reader = SSHWireReader(blob, from: magic.count)
        guard let cipher = reader.text(), reader.text() != nil /* kdf */, reader.string() != nil /* kdf options */,
              reader.uint32() == 1, reader.string() != nil /* public key */, let secret = reader.string()
        else { return nil }
        self.cipher = cipher
        keyType = ""
        guard cipher == "none" else { return }
        var fields = SSHWireReader(secret)
        guard let check1 = fields.uint32(), check1 == fields.uint32(), let type = fields.text() else { return nil }
        keyType = type
        self.fields = fields
    }
}
