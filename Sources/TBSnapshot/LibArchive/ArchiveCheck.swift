import CArchive

/// Turns a libarchive return code into a `SnapshotError.archive` carrying
/// `archive_error_string` and the operation that failed. `ARCHIVE_OK` and `ARCHIVE_WARN`
/// pass; `ARCHIVE_RETRY`, `ARCHIVE_FAILED` and `ARCHIVE_FATAL` throw.
@inline(__always)
func check(_ result: Int32, _ archive: OpaquePointer, _ operation: @autoclosure () -> String, path: String) throws(SnapshotError) {
    if result < ARCHIVE_WARN {
        throw archiveError(archive, operation(), path: path)
    }
}

/// The error libarchive recorded on `archive`, as a `SnapshotError`.
func archiveError(_ archive: OpaquePointer, _ operation: String, path: String) -> SnapshotError {
    let message = archive_error_string(archive).map { String(cString: $0) } ?? ""
    return .archive(operation: operation, path: path, message: message)
}

/// File types as libarchive spells them (`AE_IF*`, through the shim).
enum ArchiveFileType {
    static let mask = tb_ae_ifmt()
    static let regular = tb_ae_ifreg()
    static let directory = tb_ae_ifdir()
    static let symlink = tb_ae_iflnk()
    static let character = tb_ae_ifchr()
    static let block = tb_ae_ifblk()
    static let fifo = tb_ae_ififo()
    static let socket = tb_ae_ifsock()
}
