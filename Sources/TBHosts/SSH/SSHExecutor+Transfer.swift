import CSSH2
import Glibc
import TBEngine
import TBStore

extension SSHExecutor {
    /// Copies a local file or directory to the host over SFTP.
    ///
    /// - `local` is relative to the project directory (or absolute); `remote` is
    ///   relative to the root (or absolute); a `remote` ending in `/` names a directory
    ///   to copy into. Missing remote parents are created.
    /// - Permission bits are kept (set explicitly, so the remote umask does not
    ///   matter); symlinks inside a tree are copied as symlinks.
    /// - The copy is written to `.<name>.tbmake-tmp-<pid>-<n>` beside the destination
    ///   and renamed over it with `mv` (rename(2)), an existing directory being moved
    ///   aside first: no truncated file ever has the final name. A failed copy is
    ///   removed.
    /// - A regular file the host already holds with the same content and mode is not
    ///   copied (`.unchanged`); see `unchangedOnHost`. Directories are copied whole.
    @discardableResult
    public func put(from local: String, to remote: String) throws -> TransferOutcome {
        let source = LocalPath.resolve(local, against: projectDirectory)
        guard let sourceStat = FileStat.stat(source) else {
            throw ExecutorError.transferFailed(path: source, reason: errnoDescription(errno))
        }
        guard sourceStat.isDirectory || sourceStat.isRegular else {
            throw ExecutorError.transferFailed(path: source, reason: "not a regular file or a directory")
        }
        var destination = remotePath(remote)
        if remote.hasSuffix("/") { destination = LocalPath.normalize(destination + "/" + LocalPath.name(of: source)) }
        let parent = LocalPath.parent(of: destination)
        let temporary = siblingName(of: destination, tag: "tmp")

        return try transfers.withLock {
            let client = try sftp()
            if sourceStat.isRegular,
               let digest = try unchangedOnHost(local, source: source, stat: sourceStat, remote: destination, client: client) {
                return .unchanged(digest: digest.hex)
            }
            try runChecked("mkdir -p -- \(shellQuote(parent))", what: "creating \(parent)", on: client.connection)
            do {
                let permissions = mode_t(sourceStat.mode & 0o7777)
                if sourceStat.isDirectory {
                    var symlinks: [(target: String, path: String)] = []
                    try upload(tree: source, to: temporary, permissions: permissions, client: client,
                               symlinks: &symlinks)
                    if !symlinks.isEmpty {
                        let commands = symlinks.map { "ln -s -- \(shellQuote($0.target)) \(shellQuote($0.path))" }
                        try runChecked(commands.joined(separator: " && "), what: "creating symlinks", on: client.connection)
                    }
                } else {
                    try upload(file: source, to: temporary, permissions: permissions, client: client)
                }
                let t = shellQuote(temporary), d = shellQuote(destination)
                let aside = shellQuote(siblingName(of: destination, tag: "old"))
                try runChecked("""
                    if [ -d \(d) ] || { [ -d \(t) ] && { [ -e \(d) ] || [ -L \(d) ]; }; }; then
                      mv -f -- \(d) \(aside) || exit 1
                      mv -f -- \(t) \(d) || { mv -f -- \(aside) \(d); exit 1; }
                      rm -rf -- \(aside)
                    else mv -f -- \(t) \(d); fi
                    """, what: "renaming the copy to \(destination)", on: client.connection)
                return .copied
            } catch {
                _ = try? runChecked("rm -rf -- \(shellQuote(temporary))", what: "removing \(temporary)", on: client.connection)
                throw transferError(error, path: destination)
            }
        }
    }

    /// Copies a remote file or directory from the host into the project over SFTP,
    /// with the same path rules and guarantees as `put`, mirrored (the local copy is
    /// built beside the destination and renamed over it), skipping a regular file the
    /// project already holds with the same content and mode (`unchangedInProject`).
    @discardableResult
    public func get(from remote: String, to local: String) throws -> TransferOutcome {
        let source = remotePath(remote)
        var destination = LocalPath.resolve(local, against: projectDirectory)
        if local.hasSuffix("/") { destination = LocalPath.resolve(LocalPath.name(of: source), against: destination) }
        let parent = LocalPath.parent(of: destination)
        let temporary = siblingName(of: destination, tag: "tmp")

        return try transfers.withLock {
            let client = try sftp()
            if let digest = try unchangedInProject(local, destination: destination, remote: source, client: client) {
                return .unchanged(digest: digest.hex)
            }
            var committed = false
            defer { if !committed { try? removeTree(temporary) } }
            do {
                guard let attributes = try client.status(source, followingSymlinks: true) else {
                    throw ExecutorError.transferFailed(path: source, reason: "No such file or directory")
                }
                try makeLocalDirectories(parent)
                let mode = mode_t(attributes.permissions & 0o7777)
                let isDirectory = attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) == UInt(LIBSSH2_SFTP_S_IFDIR)
                switch attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) {
                case UInt(LIBSSH2_SFTP_S_IFDIR):
                    try download(tree: source, to: temporary, permissions: mode, client: client)
                case UInt(LIBSSH2_SFTP_S_IFREG):
                    try download(file: source, to: temporary, permissions: mode, client: client)
                default:
                    throw ExecutorError.transferFailed(path: source, reason: "not a regular file or a directory")
                }
                try replaceLocal(destination, with: temporary, isDirectory: isDirectory)
                committed = true
                return .copied
            } catch {
                throw transferError(error, path: source)
            }
        }
    }

    /// `remote` made absolute against the root and normalised.
    func remotePath(_ remote: String) -> String {
        LocalPath.normalize(remote.hasPrefix("/") ? remote : root + "/" + remote)
    }

    /// The SFTP client of the live connection, started if needed. Under `transfers`.
    func sftp() throws -> SFTPClient {
        let connection = try connection()
        if let client = sftpClient, client.connection === connection { return client }
        sftpClient = nil
        do {
            let client = try SFTPClient(connection: connection)
            sftpClient = client
            return client
        } catch let error as SSHError {
            throw unavailable(error)
        }
    }

    func transferError(_ error: Error, path: String) -> Error {
        switch error {
        case let error as ExecutorError: return error
        case let error as SSHError: return unavailable(error)
        case let error as SFTPFailure: return ExecutorError.transferFailed(path: path, reason: error.description)
        case let error as SystemError: return ExecutorError.transferFailed(path: path, reason: error.description)
        default: return ExecutorError.transferFailed(path: path, reason: "\(error)")
        }
    }
}
