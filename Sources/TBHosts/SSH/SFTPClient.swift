import CSSH2
import Glibc
import TBStore

/// The SFTP subsystem on one connection: owns the `LIBSSH2_SFTP*` (shut down in
/// `deinit`) and keeps the connection alive. Paths are `FileName` strings, sent as the
/// bytes they stand for. Used by one transfer at a time (the
/// executor's `transfers` lock), so `lastError` is that transfer's.
final class SFTPClient {
    let connection: SSHConnection
    let raw: OpaquePointer

    init(connection: SSHConnection) throws {
        self.connection = connection
        raw = try connection.channelStartup.withLock {
            try connection.callHandle("starting SFTP") { libssh2_sftp_init($0) }
        }
    }

    deinit {
        _ = try? connection.call("stopping SFTP", deadline: .now + .seconds(2)) { _ in libssh2_sftp_shutdown(self.raw) }
    }

    /// Runs an SFTP call; an SFTP status from the server becomes its plain words.
    func call(_ operation: String, _ body: (OpaquePointer) -> Int32) throws -> Int32 {
        do {
            return try connection.call(operation) { _ in body(self.raw) }
        } catch SSHError.library(_, _, let code, _) where code == LIBSSH2_ERROR_SFTP_PROTOCOL {
            throw SFTPFailure(status: libssh2_sftp_last_error(raw))
        }
    }

    func open(_ path: String, flags: Int32, mode: Int, directory: Bool = false) throws -> SFTPHandle {
        do {
            let handle = try connection.callHandle("opening \(path)") { _ in
                directory ? tb_sftp_opendir(self.raw, FileName.cString(path)) : tb_sftp_open(self.raw, FileName.cString(path), UInt(flags), mode)
            }
            return SFTPHandle(client: self, raw: handle)
        } catch SSHError.library(_, _, let code, _) where code == LIBSSH2_ERROR_SFTP_PROTOCOL {
            throw SFTPFailure(status: libssh2_sftp_last_error(raw))
        }
    }

    /// nil if `path` does not exist.
    func status(_ path: String, followingSymlinks: Bool) throws -> LIBSSH2_SFTP_ATTRIBUTES? {
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        do {
            _ = try call("stat \(path)") { tb_sftp_stat($0, FileName.cString(path), followingSymlinks ? 1 : 0, &attributes) }
        } catch let failure as SFTPFailure where failure.status == LIBSSH2_FX_NO_SUCH_FILE {
            return nil
        }
        return attributes
    }

    /// The entries of the directory `path` (not "." or ".."), names as the server sent
    /// them, each with its lstat attributes: asked for separately when the listing came
    /// without permissions, owner or size; an entry gone by then is left out.
    func list(_ path: String) throws -> [(name: [UInt8], attributes: LIBSSH2_SFTP_ATTRIBUTES)] {
        let directory = try open(path, flags: 0, mode: 0, directory: true)
        var entries: [(name: [UInt8], attributes: LIBSSH2_SFTP_ATTRIBUTES)] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            let n = try buffer.withUnsafeMutableBufferPointer { name in
                try directory.count("listing \(path)") { Int(tb_sftp_readdir($0, name.baseAddress, name.count, &attributes)) }
            }
            if n == 0 { return entries }
            let name = buffer.prefix(n).map { UInt8(bitPattern: $0) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            if RemoteFileStatus(attributes) == nil {
                guard let asked = try status(path + "/" + FileName.string(name), followingSymlinks: false)
                else { continue }
                attributes = asked
            }
            entries.append((name, attributes))
        }
    }

    /// The target of the symlink at `path`, as stored.
    func readlink(_ path: String) throws -> [UInt8] {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try call("reading the symlink \(path)") { tb_sftp_readlink($0, FileName.cString(path), &target, UInt32(target.count)) }
        return target.prefix(Int(n)).map { UInt8(bitPattern: $0) }
    }
}

/// An open remote file or directory, closed in `deinit`.
final class SFTPHandle {
    let client: SFTPClient
    let raw: OpaquePointer

    init(client: SFTPClient, raw: OpaquePointer) {
        self.client = client
        self.raw = raw
    }

    deinit {
        _ = try? client.connection.call("closing a remote file", deadline: .now + .seconds(5)) { _ in tb_sftp_close(self.raw) }
    }

    func call(_ operation: String, _ body: (OpaquePointer) -> Int32) throws -> Int32 {
        try client.call(operation) { _ in body(self.raw) }
    }

    func count(_ operation: String, _ body: (OpaquePointer) -> Int) throws -> Int {
        do {
            return try client.connection.callCount(operation) { _ in body(self.raw) }
        } catch SSHError.library(_, _, let code, _) where code == LIBSSH2_ERROR_SFTP_PROTOCOL {
            throw SFTPFailure(status: libssh2_sftp_last_error(client.raw))
        }
    }
}

/// An SFTP status code from the server (SSH_FX_*), printed in plain words.
struct SFTPFailure: Error, CustomStringConvertible {
    var status: UInt

    var description: String {
        switch status {
        case LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH: return "No such file or directory"
        case LIBSSH2_FX_PERMISSION_DENIED: return "Permission denied"
        case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "File exists"
        case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED: return "No space left on device"
        case LIBSSH2_FX_NOT_A_DIRECTORY: return "Not a directory"
        case LIBSSH2_FX_DIR_NOT_EMPTY: return "Directory not empty"
        default: return "SFTP error \(status)"
        }
    }
}
