import CSSH2
import Glibc

extension SSHConnection {
    /// Checks the host key against the known_hosts file (OpenSSH format, hashed or
    /// plain names, read with libssh2's own parser):
    /// - listed with this key → accepted;
    /// - listed with another key of the same type → refused under every policy,
    ///   naming the file and line and the new fingerprint;
    /// - not listed → refused under `.yes`, appended to the file under `.acceptNew`,
    ///   accepted unrecorded under `.no`.
    func verifyHostKey(options: SSHOptions) throws {
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &type),
              let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else {
            throw SSHError.library(host: hostName, operation: "reading the host key", code: -1, message: lastErrorMessage(-1))
        }
        let digest = UnsafeRawBufferPointer(start: hash, count: 32)
        hostKeyFingerprint = ("SHA256:" + Base64.encode(Array(digest)))

        let file = options.knownHostsFile.isEmpty ? expandTilde("~/.ssh/known_hosts") : expandTilde(options.knownHostsFile)
        let lines = try Self.readKnownHosts(file)
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | Self.knownHostKeyType(type)
        let check = try withKnownHosts(lines) { hosts in
            libssh2_knownhost_checkp(hosts, destination.address, Int32(destination.port), key, length, mask, nil)
        }
        let name = destination.knownHostsName
        switch check {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            var line = 0
            for (index, text) in lines.enumerated() {
                let one = try withKnownHosts([text]) { hosts in
                    libssh2_knownhost_checkp(hosts, destination.address, Int32(destination.port), key, length, mask, nil)
                }
                if one == LIBSSH2_KNOWNHOST_CHECK_MISMATCH { line = index + 1; break }
            }
            throw SSHError.hostKeyChanged(host: name, knownHostsFile: file, line: line, fingerprint: hostKeyFingerprint)
        default:
            switch options.strictHostKeyChecking {
            case .yes:
                throw SSHError.hostKeyUnknown(host: name, fingerprint: hostKeyFingerprint, knownHostsFile: file)
            case .no:
                return
            case .acceptNew:
                try appendKnownHost(name: name, key: key, length: length, mask: mask, to: file)
            }
        }
    }

    /// Each entry is one line's text; blank lines and comments come back as "" so
    /// indices stay line numbers. A missing file is empty.
    private static func readKnownHosts(_ file: String) throws -> [String] {
        switch readWholeFile(file) {
        case .success(let bytes):
            return String(decoding: bytes, as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .failure(let error) where error.code == ENOENT:
            return []
        case .failure(let error):
            throw SSHError.knownHostsFailed(file: file, reason: error.description)
        }
    }

    /// Builds a libssh2 collection of the given known_hosts lines (lines libssh2
    /// cannot parse, such as unsupported key types or markers, are skipped).
    private func withKnownHosts<T>(_ lines: [String], _ body: (OpaquePointer) -> T) throws -> T {
        guard let hosts = libssh2_knownhost_init(session) else {
            throw SSHError.library(host: hostName, operation: "libssh2_knownhost_init", code: -1, message: "out of memory")
        }
        defer { libssh2_knownhost_free(hosts) }
        for line in lines {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("@") { continue }
            _ = libssh2_knownhost_readline(hosts, line, line.utf8.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
        }
        return body(hosts)
    }

    private func appendKnownHost(name: String, key: UnsafePointer<CChar>, length: Int, mask: Int32,
                                 to file: String) throws {
        let text: String = try withKnownHosts([]) { hosts in
            var entry: UnsafeMutablePointer<libssh2_knownhost>?
            guard libssh2_knownhost_addc(hosts, name, nil, key, length, nil, 0, mask, &entry) == 0,
                  let entry else { return "" }
            var buffer = [CChar](repeating: 0, count: 8192)
            var written = 0
            guard libssh2_knownhost_writeline(hosts, entry, &buffer, buffer.count, &written,
                                              LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0 else { return "" }
            return String(decoding: buffer.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard !text.isEmpty else {
            throw SSHError.knownHostsFailed(file: file, reason: "cannot format an entry for \(name)")
        }
        let parent = LocalPath.parent(of: LocalPath.makeAbsolute(file))
        if case .failure = fileStatus(parent, followingSymlinks: true) { _ = mkdir(parent, 0o700) }
        let opened = FileDescriptor.open(file, O_WRONLY | O_APPEND | O_CREAT, mode: 0o600)
        guard case .success(let descriptor) = opened else {
            if case .failure(let error) = opened { throw SSHError.knownHostsFailed(file: file, reason: error.description) }
            return
        }
        // An existing file without a final newline would glue our line to its last one.
        var prefix = ""
        if case .success(let existing) = readWholeFile(file), let last = existing.last, last != UInt8(ascii: "\n") {
            prefix = "\n"
        }
        let bytes = Array((prefix + text).utf8)
        let written = bytes.withUnsafeBytes { write(descriptor.rawValue, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw SSHError.knownHostsFailed(file: file, reason: errnoDescription(errno))
        }
        try? descriptor.closeChecked()
    }

    private static func knownHostKeyType(_ hostKeyType: Int32) -> Int32 {
        switch hostKeyType {
        case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA
        case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519
        default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN
        }
    }
}

/// `~` and `~/…` expanded with `$HOME`.
func expandTilde(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    let home = getenv("HOME").map { String(cString: $0) } ?? "/"
    return home + path.dropFirst()
}

/// The whole content of a local file.
func readWholeFile(_ path: String) -> Result<[UInt8], SystemError> {
    let opened = FileDescriptor.open(path, O_RDONLY)
    guard case .success(let descriptor) = opened else {
        if case .failure(let error) = opened { return .failure(error) }
        return .failure(SystemError(EIO))
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = retryingInterrupts { buffer.withUnsafeMutableBytes { read(descriptor.rawValue, $0.baseAddress, $0.count) } }
        if n < 0 { return .failure(SystemError(errno)) }
        if n == 0 { return .success(bytes) }
        bytes.append(contentsOf: buffer[0..<n])
    }
}
