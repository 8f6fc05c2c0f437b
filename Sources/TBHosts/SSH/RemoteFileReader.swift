import CSSH2

/// A regular file on an ssh host, open for reading over SFTP
/// (`SSHExecutor.openRemoteFile`); closed when released. Reads take the executor's
/// `transfers` lock, one at a time.
public final class RemoteFileReader {
    private let executor: SSHExecutor
    private var handle: SFTPHandle?
    /// The absolute remote path, for messages.
    public let path: String

    init(executor: SSHExecutor, handle: SFTPHandle, path: String) {
        self.executor = executor
        self.handle = handle
        self.path = path
    }

    deinit {
        executor.transfers.withLock { handle = nil }
    }

    /// Reads up to `buffer.count` bytes; returns how many, 0 at the end of the file.
    /// libssh2 keeps several read requests in flight for one call, so a large buffer
    /// (1 MiB) reads at the connection's speed rather than one round trip per packet.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RemoteFileError) -> Int {
        guard buffer.count > 0 else { return 0 }
        return try executor.remoteErrors("read", path) {
            try executor.transfers.withLock {
                try handle!.count("reading \(path)") { raw in
                    libssh2_sftp_read(raw, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
                }
            }
        }
    }
}
