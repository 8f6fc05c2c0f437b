import Glibc
import TBEngine
import TBStore

/// Skipping a `put` or `get` of a regular file whose destination already holds the same
/// content (SHA-256) and permission bits.
///
/// - The local file's digest comes from the run's stat-keyed `DigestCache` (persisted in
///   the build log): an unchanged file is not read again.
/// - The remote file's comes from one command that prints its `stat` (size, times to
///   the nanosecond, inode, mode) and the remote clock. A digest remembered for exactly
///   that stat, under the key `ssh://USER@ADDRESS:PORT/PATH` in the same cache, is used
///   if it is not racily clean on the remote clock (see `DigestCache`); otherwise the
///   file is hashed remotely (`openssl dgst -sha256`, else `sha256sum`), once, and the
///   result remembered. Files
///   under `rememberedSize` are hashed remotely every time instead, in the same command
///   as the stat: one round trip either way, and no entries for small files.
/// - A destination that is a symlink, a directory, of another size, or unreadable is
///   simply copied; so is everything when the host lacks GNU `stat`, or both `openssl`
///   and `sha256sum`.
///   Directories are always copied whole.
extension SSHExecutor {
    /// Files at least this large get their remote digest remembered.
    public static let rememberedSize: Int64 = 8 << 20

    /// A remote file as the probe command saw it.
    struct RemoteFile {
        var stat: FileStat
        /// The remote clock when the stat was taken (ns since the epoch).
        var clockNs: Int64
        /// The file's content digest, when the probe hashed it.
        var digest: Digest?
    }

    /// The digest of the local regular file `source` (whose stat is `stat`) if `remote`
    /// already holds the same content; the remote mode is made the local one when only
    /// that differs. nil when it must be copied (or when there is no digest cache).
    /// Under `transfers`.
    func unchangedOnHost(_ local: String, source: String, stat: FileStat, remote: String,
                         client: SFTPClient) throws -> Digest? {
        // The host first: a missing file or another size settles it without reading the local file.
        guard let digests,
              let remoteFile = try remoteContent(remote, size: stat.size, on: client.connection),
              let remoteDigest = remoteFile.digest,
              let localDigest = try? digests.digest(ofFile: localDigestKey(local, absolute: source), stat: stat),
              remoteDigest == localDigest
        else { return nil }
        let permissions = stat.mode & 0o7777
        if remoteFile.stat.mode & 0o7777 != permissions {
            try runChecked("chmod \(String(permissions, radix: 8)) -- \(shellQuote(remote))",
                           what: "setting the mode of \(remote)", on: client.connection)
        }
        return localDigest
    }

    /// The digest of the remote regular file `remote` if the local `destination` already
    /// holds the same content; the local mode is made the remote one when only that
    /// differs. nil when it must be copied. Under `transfers`.
    func unchangedInProject(_ local: String, destination: String, remote: String,
                            client: SFTPClient) throws -> Digest? {
        guard let digests, let stat = FileStat.lstat(destination), stat.isRegular,
              let remoteFile = try remoteContent(remote, size: stat.size, on: client.connection),
              let remoteDigest = remoteFile.digest,
              let localDigest = try? digests.digest(ofFile: localDigestKey(local, absolute: destination), stat: stat),
              remoteDigest == localDigest
        else { return nil }
        let permissions = remoteFile.stat.mode & 0o7777
        if stat.mode & 0o7777 != permissions, chmod(destination, mode_t(permissions)) != 0 {
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
        }
        return localDigest
    }

    /// The remote regular file at `path` with its digest, if it has `size` bytes (nil
    /// otherwise, or when it cannot be probed).
    func remoteContent(_ path: String, size: Int64, on connection: SSHConnection) throws -> RemoteFile? {
        let hashNow = size < Self.rememberedSize
        guard let seen = try probe(path, hashingIfSize: hashNow ? size : nil, on: connection),
              seen.stat.isRegular, seen.stat.size == size
        else { return nil }
        if hashNow { return seen }
        let key = remoteDigestKey(path)
        if let digest = digests?.remembered(key, stat: seen.stat) {
            return RemoteFile(stat: seen.stat, clockNs: seen.clockNs, digest: digest)
        }
        guard let hashed = try probe(path, hashingIfSize: size, on: connection), let digest = hashed.digest else {
            return nil
        }
        digests?.remember(digest, for: key, stat: hashed.stat, hashedAtNs: hashed.clockNs)
        return hashed
    }

    /// One command on the host: the `stat` of `path` (not following a symlink), the
    /// remote clock, then — if `size` is given and the file has that size — its SHA-256
    /// (`openssl dgst`, four times faster than `sha256sum` where the CPU has SHA
    /// instructions; `sha256sum` without OpenSSL). nil if there is no such file or the
    /// output cannot be read; a lost connection throws.
    private func probe(_ path: String, hashingIfSize size: Int64?, on connection: SSHConnection) throws -> RemoteFile? {
        let quoted = shellQuote(path)
        var script = "s=$(stat -c '%s %.9Y %.9Z %i %d %f' -- \(quoted) 2>/dev/null) || exit 0; "
            + #"printf '%s\n' "$s"; date +%s%N"#
        if let size {
            script += #"; [ "${s%% *}" = \#(size) ] && [ -f \#(quoted) ] && "#
                + "{ openssl dgst -sha256 -r < \(quoted) 2>/dev/null || sha256sum < \(quoted); } || true"
        }
        let output: String
        do {
            output = try runChecked(script, what: "reading \(path)", on: connection)
        } catch let error as ExecutorError {
            if connection.isLost { throw error }
            return nil
        }
        let lines = output.split(separator: "\n")
        guard lines.count >= 2, let stat = Self.parseStat(lines[0]), let clock = Int64(lines[1]) else { return nil }
        var file = RemoteFile(stat: stat, clockNs: clock, digest: nil)
        if size != nil, lines.count >= 3, let hex = lines[2].split(separator: " ").first {
            file.digest = Digest(hex: hex)
        }
        return file
    }

    /// Parses `SIZE MTIME CTIME INODE DEVICE MODE` as printed by
    /// `stat -c '%s %.9Y %.9Z %i %d %f'` (times in seconds with nine decimals, the mode
    /// in hexadecimal).
    static func parseStat(_ line: Substring) -> FileStat? {
        let fields = line.split(separator: " ")
        guard fields.count == 6, let size = Int64(fields[0]), let mtime = nanoseconds(fields[1]),
              let ctime = nanoseconds(fields[2]), let inode = UInt64(fields[3]), let device = UInt64(fields[4]),
              let mode = UInt32(fields[5], radix: 16)
        else { return nil }
        return FileStat(size: size, mtimeNs: mtime, ctimeNs: ctime, inode: inode, device: device, mode: mode)
    }

    /// `SECONDS.NNNNNNNNN` as nanoseconds; nil unless there are exactly nine decimals.
    private static func nanoseconds(_ text: Substring) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 9, let seconds = Int64(parts[0]), let fraction = Int64(parts[1])
        else { return nil }
        return seconds * 1_000_000_000 + fraction
    }

    /// How the digest cache names a remote file: `ssh://USER@ADDRESS:PORT/PATH`.
    func remoteDigestKey(_ path: String) -> String {
        "ssh://\(destination.user)@\(destination.address):\(destination.port)\(path)"
    }

    /// How the digest cache names a project file: as the Targetfile spells it when that
    /// resolves to the same file from the working directory (the engine's spelling, so
    /// the file is hashed once), else its absolute path.
    private func localDigestKey(_ spelled: String, absolute: String) -> String {
        spelled.hasPrefix("/") || LocalPath.makeAbsolute(spelled) != absolute ? absolute : spelled
    }
}
