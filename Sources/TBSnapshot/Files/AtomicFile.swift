import CArchive
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// A file written under a temporary name in its final directory, mode 0600, then
/// fsynced and renamed over `path` by `commit()`. Dropped without `commit()` (a throw on
/// the way), the temporary file is removed and `path` is untouched.
final class AtomicFile {
    let path: String
    let temporaryPath: String
    let file: OpenFile
    private var committed = false

    init(path: String) throws(SnapshotError) {
        self.path = path
        var template = FileName.cString(path + ".tmp.XXXXXX")
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .lastIO("create a temporary file for", path) }
        temporaryPath = FileName.string(template.dropLast().map { UInt8(bitPattern: $0) })
        file = OpenFile(takingOwnership: fd, path: temporaryPath)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard fchmod(fd, 0o600) == 0 else { throw .lastIO("chmod", temporaryPath) }
    }

    deinit {
        if !committed { unlink(FileName.cString(temporaryPath)) }
    }

    /// Asks the kernel to start writing what was written so far to disk, without waiting
    /// (`sync_file_range`), so that most of the work of `commit()`'s fsync overlaps with
    /// producing the rest of the file.
    func startWriteback() {
        _ = tb_start_writeback(file.fd)
    }

    /// The directory holding `path`, whose fsync makes a rename durable.
    var directory: String { EntryPath.parent(path).map { $0.isEmpty ? "/" : $0 } ?? "." }

    /// fsync, rename over `path`, and (unless the caller will) fsync the directory.
    func commit(syncingDirectory: Bool = true) throws(SnapshotError) {
        try file.sync()
        guard rename(FileName.cString(temporaryPath), FileName.cString(path)) == 0 else { throw .lastIO("rename \(temporaryPath) to", path) }
        committed = true
        if syncingDirectory { AtomicFile.syncDirectory(directory) }
    }

    /// Best effort: a directory that cannot be opened is left as it is.
    static func syncDirectory(_ directory: String) {
        if let dir = try? OpenFile.open(directory, O_RDONLY | O_DIRECTORY) { _ = fsync(dir.fd) }
    }
}
