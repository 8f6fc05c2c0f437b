import CSSH2
import Glibc
import TBStore
import TBEngine

/// Read-only access to files on the host over SFTP, for reading a tree where it lies (a
/// snapshot of a management node): `lstat`, directory listings, symlink targets, and
/// files streamed front to back. Nothing on the host is changed.
///
/// Paths are resolved as `put`/`get` resolve remote paths: relative ones against `root`.
/// Each request takes the `transfers` lock, so these interleave with `put` and `get` one
/// request at a time. Failures are `RemoteFileError`s naming the host and the path.
extension SSHExecutor {
    /// The status of `path` (a symlink is not followed); nil if nothing is there.
    public func remoteStatus(_ path: String) throws(RemoteFileError) -> RemoteFileStatus? {
        let absolute = remotePath(path)
        return try withSFTP("stat", absolute) { client in
            guard let attributes = try client.status(absolute, followingSymlinks: false) else { return nil }
            guard let status = RemoteFileStatus(attributes) else { throw incompleteStatus(absolute) }
            return status
        }
    }

    /// The entries of the directory at `path`, not "." or "..", unsorted, each with its
    /// status (lstat). Names are bytes, as `FileName` strings.
    public func remoteDirectory(_ path: String) throws(RemoteFileError) -> [(name: String, status: RemoteFileStatus)] {
        let absolute = remotePath(path)
        return try withSFTP("list", absolute) { client in
            try client.list(absolute).map { name, attributes in
                let entry = FileName.string(name)
                guard let status = RemoteFileStatus(attributes) else { throw incompleteStatus(absolute + "/" + entry) }
                return (entry, status)
            }
        }
    }

    /// The target of the symlink at `path`, as stored (bytes, as a `FileName` string).
    public func remoteSymlinkTarget(_ path: String) throws(RemoteFileError) -> String {
        let absolute = remotePath(path)
        return try withSFTP("read the symlink", absolute) { client in
            FileName.string(try client.readlink(absolute))
        }
    }

    /// Opens the regular file at `path` for reading. The server opens what the path
    /// names: callers that must not follow a symlink check `remoteStatus` first.
    public func openRemoteFile(_ path: String) throws(RemoteFileError) -> RemoteFileReader {
        let absolute = remotePath(path)
        return try withSFTP("open", absolute) { client in
            RemoteFileReader(executor: self, handle: try client.open(absolute, flags: LIBSSH2_FXF_READ, mode: 0), path: absolute)
        }
    }

    /// Runs `body` with the SFTP client of the live connection, under `transfers`.
    private func withSFTP<T>(_ operation: String, _ path: String, _ body: (SFTPClient) throws -> T) throws(RemoteFileError) -> T {
        try remoteErrors(operation, path) { try transfers.withLock { try body(try sftp()) } }
    }

    /// Runs `body`, turning what it throws into a `RemoteFileError` about `path`.
    func remoteErrors<T>(_ operation: String, _ path: String, _ body: () throws -> T) throws(RemoteFileError) -> T {
        do {
            return try body()
        } catch let error as RemoteFileError {
            throw error
        } catch let failure as SFTPFailure {
            throw .failed(operation: operation, host: hostName, path: path, reason: failure.description)
        } catch let error as SSHError {
            throw .unavailable(host: hostName, reason: error.description)
        } catch ExecutorError.unavailable(let host, let reason) {
            throw .unavailable(host: host, reason: reason)
        } catch {
            throw .failed(operation: operation, host: hostName, path: path, reason: "\(error)")
        }
    }

    private func incompleteStatus(_ path: String) -> RemoteFileError {
        .failed(operation: "stat", host: hostName, path: path, reason: "the SFTP server sent no permissions, owner or size")
    }
}
