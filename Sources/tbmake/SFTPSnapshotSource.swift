import TBHosts
import TBSnapshot

/// An ssh host's files as a `SnapshotSource`, read over SFTP through the host's executor
/// (`SSHExecutor.remoteStatus`, `remoteDirectory`, `remoteSymlinkTarget`,
/// `openRemoteFile`): a `pack` step on an ssh host walks, hashes and archives the tree
/// where it lies, and writes the archive and manifest in the project. Nothing runs on
/// the host but its SFTP server. Relative paths are resolved against the host's root.
///
/// SFTP carries no device numbers, so a device node under a packed path fails the pack
/// (exclude it); every other failure names the host and the path ("cannot list
/// mn:/install: Permission denied").
final class SFTPSnapshotSource: SnapshotSource {
    let host: SSHExecutor

    init(host: SSHExecutor) {
        self.host = host
    }

    func status(_ path: String) throws(SnapshotError) -> SourceStatus? {
        try reading("stat", path) { () throws(RemoteFileError) in try host.remoteStatus(path).map(Self.status) }
    }

    func entries(_ path: String) throws(SnapshotError) -> [(name: String, status: SourceStatus)] {
        try reading("list", path) { () throws(RemoteFileError) in try host.remoteDirectory(path).map { ($0.name, Self.status($0.status)) } }
    }

    func linkTarget(_ path: String) throws(SnapshotError) -> String {
        try reading("read the symlink", path) { () throws(RemoteFileError) in try host.remoteSymlinkTarget(path) }
    }

    /// The export opens only what `status` found to be a regular file, and checks the
    /// size while it reads. Reads ask for what is left of `expectedSize` plus one byte:
    /// a 1 MiB request for a 5 KiB file costs the server dozens of reads and replies
    /// (libssh2 splits it into ~30 KiB requests, all sent at once).
    func open(_ path: String, expectedSize: Int64) throws(SnapshotError) -> any SnapshotSourceFile {
        File(reader: try reading("open", path) { () throws(RemoteFileError) in try host.openRemoteFile(path) }, source: self,
             left: expectedSize)
    }

    func describe(_ path: String) -> String { "\(host.hostName):\(path)" }

    private static func status(_ remote: RemoteFileStatus) -> SourceStatus {
        SourceStatus(mode: remote.mode, uid: Int64(remote.uid), gid: Int64(remote.gid), size: Int64(remote.size))
    }

    /// Runs `body`, turning a `RemoteFileError` into the `SnapshotError` naming `path`.
    fileprivate func reading<T>(_ operation: String, _ path: String, _ body: () throws(RemoteFileError) -> T) throws(SnapshotError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .failed(let operation, let host, let path, let reason):
                throw .source(operation: operation, path: "\(host):\(path)", reason: reason)
            case .unavailable(let host, let reason):
                throw .source(operation: operation, path: describe(path), reason: "host \(host) unavailable: \(reason)")
            }
        }
    }

    /// An open remote file.
    private final class File: SnapshotSourceFile {
        let reader: RemoteFileReader
        let source: SFTPSnapshotSource
        /// Bytes the file should still hold.
        var left: Int64

        init(reader: RemoteFileReader, source: SFTPSnapshotSource, left: Int64) {
            self.reader = reader
            self.source = source
            self.left = left
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(SnapshotError) -> Int {
            let ask = UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), max(left, 0) + 1))])
            let n = try source.reading("read", reader.path) { () throws(RemoteFileError) in try reader.read(into: ask) }
            left -= Int64(n)
            return n
        }
    }
}
