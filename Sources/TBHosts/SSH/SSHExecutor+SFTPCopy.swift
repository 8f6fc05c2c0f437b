import CSSH2
import Glibc
import TBStore
import TBEngine

/// The file-by-file work of `put` and `get`: streaming over SFTP in 1 MiB pieces
/// (libssh2 pipelines the packets of each piece), trees walked depth-first.
extension SSHExecutor {
    static let chunkSize = 1 << 20

    func upload(file source: String, to destination: String, permissions: mode_t, client: SFTPClient) throws {
        let input = try FileDescriptor.open(source, O_RDONLY)
            .mapError { ExecutorError.transferFailed(path: source, reason: $0.description) }.get()
        let flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL
        let handle = try naming(destination) { try client.open(destination, flags: flags, mode: 0o600) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let n = retryingInterrupts { buffer.withUnsafeMutableBytes { read(input.rawValue, $0.baseAddress, $0.count) } }
            if n < 0 { throw ExecutorError.transferFailed(path: source, reason: errnoDescription(errno)) }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let sent = try naming(destination) {
                    try buffer.withUnsafeBytes { bytes in
                        try handle.count("writing \(destination)") { raw in
                            libssh2_sftp_write(raw, bytes.baseAddress!.assumingMemoryBound(to: CChar.self) + offset, n - offset)
                        }
                    }
                }
                offset += sent
            }
        }
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
        attributes.permissions = UInt(permissions)
        _ = try naming(destination) { try handle.call("setting the mode of \(destination)") { tb_sftp_fsetstat($0, &attributes) } }
    }

    /// Symlinks are not created over SFTP (OpenSSH's server and libssh2 disagree on
    /// the argument order); they are appended to `symlinks` as (target, link path)
    /// for the caller to make with one shell command.
    func upload(tree source: String, to destination: String, permissions: mode_t, client: SFTPClient,
                symlinks: inout [(target: String, path: String)]) throws {
        _ = try naming(destination) { try client.call("creating \(destination)") { tb_sftp_mkdir($0, FileName.cString(destination), 0o700) } }
        for entry in try localDirectoryEntries(source) {
            let from = source + "/" + entry, to = destination + "/" + entry
            let status = try fileStatus(from, followingSymlinks: false)
                .mapError { ExecutorError.transferFailed(path: from, reason: $0.description) }.get()
            if status.isDirectory {
                try upload(tree: from, to: to, permissions: status.permissions, client: client, symlinks: &symlinks)
            } else if status.isRegularFile {
                try upload(file: from, to: to, permissions: status.permissions, client: client)
            } else if status.isSymlink {
                symlinks.append((try readLocalSymlink(from), to))
            }
        }
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
        attributes.permissions = UInt(permissions)
        _ = try naming(destination) { try client.call("setting the mode of \(destination)") { tb_sftp_setstat($0, FileName.cString(destination), &attributes) } }
    }

    func download(file source: String, to destination: String, permissions: mode_t, client: SFTPClient) throws {
        let handle = try naming(source) { try client.open(source, flags: LIBSSH2_FXF_READ, mode: 0) }
        let output = try FileDescriptor.open(destination, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            .mapError { ExecutorError.transferFailed(path: destination, reason: $0.description) }.get()
        var buffer = [CChar](repeating: 0, count: Self.chunkSize)
        while true {
            let n = try naming(source) {
                try buffer.withUnsafeMutableBufferPointer { bytes in
                    try handle.count("reading \(source)") { libssh2_sftp_read($0, bytes.baseAddress, bytes.count) }
                }
            }
            if n == 0 { break }
            do {
                try buffer.withUnsafeBytes { try writeAll(output.rawValue, UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            } catch let error as SystemError {
                throw ExecutorError.transferFailed(path: destination, reason: error.description)
            }
        }
        guard fchmod(output.rawValue, permissions) == 0 else {
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
        }
        do { try output.closeChecked() } catch let error as SystemError {
            throw ExecutorError.transferFailed(path: destination, reason: error.description)
        }
    }

    func download(tree source: String, to destination: String, permissions: mode_t, client: SFTPClient) throws {
        try makeLocalDirectory(destination)
        for (bytes, attributes) in try naming(source, { try client.list(source) }) {
            let name = FileName.string(bytes)
            let from = source + "/" + name, to = destination + "/" + name
            let mode = mode_t(attributes.permissions & 0o7777)
            switch attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) {
            case UInt(LIBSSH2_SFTP_S_IFDIR):
                try download(tree: from, to: to, permissions: mode, client: client)
            case UInt(LIBSSH2_SFTP_S_IFREG):
                try download(file: from, to: to, permissions: mode, client: client)
            case UInt(LIBSSH2_SFTP_S_IFLNK):
                try makeLocalSymlink(to, to: FileName.string(try naming(from) { try client.readlink(from) }))
            default:
                continue
            }
        }
        try setLocalPermissions(destination, permissions)
    }

    /// Runs `body`, turning what it throws into the engine's error naming `path`.
    private func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw transferError(error, path: path) }
    }
}
