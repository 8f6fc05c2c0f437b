import CArchive

/// A libarchive write handle (`struct archive *`) writing a tar stream to a file
/// descriptor the caller owns. Freed in deinit; `finish()` must be called for the
/// archive to be complete (deinit alone leaves it truncated, which is what a failed
/// export wants: the temporary file is then removed).
final class LibArchiveWriter {
    private let pointer: OpaquePointer
    /// The archive's path, for messages.
    let path: String

    private init(takingOwnership pointer: OpaquePointer, path: String) {
        self.pointer = pointer
        self.path = path
    }

    deinit { archive_write_free(pointer) }

    /// A pax (restricted) tar writer in `format`'s compression, open on `fd`. pax
    /// restricted writes plain ustar headers and adds pax extended headers only where
    /// ustar falls short (paths over 100 bytes, sizes over 8 GiB, ids over 2097151), so
    /// every tar reads it and nothing is limited in size. gzip is written without a
    /// timestamp so that equal input gives equal bytes.
    static func open(fd: Int32, path: String, format: SnapshotFormat) throws(SnapshotError) -> LibArchiveWriter {
        guard let pointer = archive_write_new() else { fatalError("tbmake: archive_write_new: out of memory") }
        let writer = LibArchiveWriter(takingOwnership: pointer, path: path)
        try check(archive_write_set_format_pax_restricted(pointer), pointer, "archive_write_set_format_pax_restricted", path: path)
        switch format {
        case .tar:
            try check(archive_write_add_filter_none(pointer), pointer, "archive_write_add_filter_none", path: path)
        case .tarGz:
            try check(archive_write_add_filter_gzip(pointer), pointer, "archive_write_add_filter_gzip", path: path)
            try check(archive_write_set_filter_option(pointer, "gzip", "timestamp", nil), pointer, "gzip:!timestamp", path: path)
        case .tarZstd:
            try check(archive_write_add_filter_zstd(pointer), pointer, "archive_write_add_filter_zstd", path: path)
            // Two compression threads (GNU tar gets a core for its separate zstd process);
            // zstd's multithreaded output does not depend on the machine, so equal input
            // still gives equal bytes. A libzstd without threads refuses: one thread then.
            _ = archive_write_set_filter_option(pointer, "zstd", "threads", "2")
        }
        // 1 MiB writes instead of tar's 10 KiB records: a hundredth of the write(2) calls.
        // The last block is still not padded (archive_write_open_fd's choice for regular
        // files), so the bytes are those of any block size.
        try check(archive_write_set_bytes_per_block(pointer, 1 << 20), pointer, "archive_write_set_bytes_per_block", path: path)
        try check(archive_write_open_fd(pointer, fd), pointer, "archive_write_open_fd", path: path)
        return writer
    }

    func writeHeader(_ entry: LibArchiveEntry, name: String) throws(SnapshotError) {
        try check(archive_write_header(pointer, entry.pointer), pointer, "write header of \(name) to", path: path)
    }

    /// Writes all of `bytes` as data of the current entry.
    func writeData(_ bytes: UnsafeRawBufferPointer, name: String) throws(SnapshotError) {
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(pointer, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { throw archiveError(pointer, "write data of \(name) to", path: path) }
            if n == 0 { throw SnapshotError.archive(operation: "write data of \(name) to", path: path, message: "libarchive accepted no bytes") }
            offset += n
        }
    }

    /// Flushes the compressor and the last block. The file descriptor stays open.
    func finish() throws(SnapshotError) {
        try check(archive_write_close(pointer), pointer, "archive_write_close", path: path)
    }
}
