import CSSH2
import Glibc
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
        _ = try naming(destination) { try client.call("creating \(destination)") { tb_sftp_mkdir($0, destination, 0o700) } }
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
        _ = try naming(destination) { try client.call("setting the mode of \(destination)") { tb_sftp_setstat($0, destination, &attributes) } }
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
            var offset = 0
            while offset < n {
                let written = retryingInterrupts { buffer.withUnsafeBytes { write(output.rawValue, $0.baseAddress! + offset, n - offset) } }
                if written < 0 { throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno)) }
                offset += written
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
        guard mkdir(destination, 0o700) == 0 else {
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
        }
        var entries: [(name: String, attributes: LIBSSH2_SFTP_ATTRIBUTES)] = []
        do {
            let directory = try naming(source) { try client.open(source, flags: 0, mode: 0, directory: true) }
            var name = [CChar](repeating: 0, count: 4096)
            while true {
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                let n = try naming(source) {
                    try name.withUnsafeMutableBufferPointer { buffer in
                        try directory.count("listing \(source)") { Int(tb_sftp_readdir($0, buffer.baseAddress, buffer.count, &attributes)) }
                    }
                }
                if n == 0 { break }
                let entry = String(decoding: name.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if entry != "." && entry != ".." { entries.append((entry, attributes)) }
            }
        }
        for (name, attributes) in entries {
            let from = source + "/" + name, to = destination + "/" + name
            let mode = mode_t(attributes.permissions & 0o7777)
            switch attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) {
            case UInt(LIBSSH2_SFTP_S_IFDIR):
                try download(tree: from, to: to, permissions: mode, client: client)
            case UInt(LIBSSH2_SFTP_S_IFREG):
                try download(file: from, to: to, permissions: mode, client: client)
            case UInt(LIBSSH2_SFTP_S_IFLNK):
                var target = [CChar](repeating: 0, count: 4096)
                let n = try naming(from) { try client.call("reading the symlink \(from)") { tb_sftp_readlink($0, from, &target, UInt32(target.count)) } }
                let text = String(decoding: target.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard symlink(text, to) == 0 else {
                    throw ExecutorError.transferFailed(path: to, reason: errnoDescription(errno))
                }
            default:
                continue
            }
        }
        guard chmod(destination, permissions) == 0 else {
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
        }
    }

    /// Renames `temporary` over `destination`; a directory on either side means the
    /// old one is moved aside first (and back if the rename fails), then removed.
    func replaceLocal(_ destination: String, with temporary: String) throws {
        let newIsDirectory = (try? fileStatus(temporary, followingSymlinks: false).get())?.isDirectory ?? false
        let old = try? fileStatus(destination, followingSymlinks: false).get()
        guard let old, old.isDirectory || newIsDirectory else {
            guard rename(temporary, destination) == 0 else {
                throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
            }
            return
        }
        let aside = LocalPath.parent(of: destination) + "/." + LocalPath.name(of: destination)
            + ".tbmake-old-\(getpid())-\(temporaryNames.next())"
        guard rename(destination, aside) == 0 else {
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(errno))
        }
        guard rename(temporary, destination) == 0 else {
            let code = errno
            _ = rename(aside, destination)
            throw ExecutorError.transferFailed(path: destination, reason: errnoDescription(code))
        }
        try? removeTree(aside)
    }

    func makeLocalDirectories(_ path: String) throws {
        if case .success(let status) = fileStatus(path, followingSymlinks: true), status.isDirectory { return }
        if path != "/" { try makeLocalDirectories(LocalPath.parent(of: path)) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
            throw ExecutorError.transferFailed(path: path, reason: errnoDescription(errno))
        }
    }

    private func localDirectoryEntries(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw ExecutorError.transferFailed(path: path, reason: errnoDescription(errno))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    private func readLocalSymlink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count)
        guard n >= 0 else { throw ExecutorError.transferFailed(path: path, reason: errnoDescription(errno)) }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `body`, turning an SFTP status into a transfer failure naming `path`.
    private func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as SFTPFailure {
            throw ExecutorError.transferFailed(path: path, reason: failure.description)
        } catch let error as SSHError {
            throw unavailable(error)
        }
    }
}
