#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import TBStore

/// A libarchive read handle (`struct archive *`) over a tar file, compressed with gzip
/// or zstd or not at all (detected from the bytes). A compressed file is decompressed on
/// a second thread (`Decompressor`). Freed in deinit, after which the file is closed.
final class LibArchiveReader {
    private let pointer: OpaquePointer
    /// The archive's path, for messages.
    let path: String
    /// Kept open while libarchive reads it.
    private let file: OpenFile
    private let decompressor: Decompressor?

    private init(takingOwnership pointer: OpaquePointer, path: String, file: OpenFile, decompressor: Decompressor?) {
        self.pointer = pointer
        self.path = path
        self.file = file
        self.decompressor = decompressor
    }

    deinit { archive_read_free(pointer) }

    static func open(_ file: OpenFile, path: String) throws(SnapshotError) -> LibArchiveReader {
        guard let pointer = archive_read_new() else { fatalError("tbmake: archive_read_new: out of memory") }
        let decompressor = try Decompressor.start(file: file, path: path)
        let reader = LibArchiveReader(takingOwnership: pointer, path: path, file: file, decompressor: decompressor)
        try check(archive_read_support_format_tar(pointer), pointer, "archive_read_support_format_tar", path: path)
        try check(archive_read_support_filter_none(pointer), pointer, "archive_read_support_filter_none", path: path)
        if let decompressor {
            let client = Unmanaged.passUnretained(decompressor).toOpaque()
            try check(archive_read_open(pointer, client, nil, { archive, client, block in
                Unmanaged<Decompressor>.fromOpaque(client!).takeUnretainedValue().next(archive!, block!)
            }, nil), pointer, "open", path: path)
        } else {
            try check(archive_read_support_filter_gzip(pointer), pointer, "archive_read_support_filter_gzip", path: path)
            try check(archive_read_support_filter_zstd(pointer), pointer, "archive_read_support_filter_zstd", path: path)
            try check(archive_read_open_fd(pointer, file.fd, 1 << 20), pointer, "open", path: path)
        }
        return reader
    }

    /// The next entry's header, nil at the end of the archive. The returned value is a
    /// copy; libarchive's entry is only valid until the next call.
    func nextHeader() throws(SnapshotError) -> ArchiveHeader? {
        var entry: OpaquePointer?
        let rc = archive_read_next_header(pointer, &entry)
        if rc == ARCHIVE_EOF { return nil }
        try check(rc, pointer, "read", path: path)
        guard let entry else { throw SnapshotError.archive(operation: "read", path: path, message: "no entry") }
        return ArchiveHeader(entry)
    }

    /// Calls `body` with each data block of the current entry and its offset in the
    /// entry (blocks skip the holes of sparse files). The buffer is libarchive's and only
    /// valid during the call.
    func readData(name: String, _ body: (Int64, UnsafeRawBufferPointer) throws(SnapshotError) -> Void) throws(SnapshotError) {
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let rc = archive_read_data_block(pointer, &buffer, &size, &offset)
            if rc == ARCHIVE_EOF { return }
            try check(rc, pointer, "read data of \(name) from", path: path)
            if size > 0, let buffer {
                try body(Int64(offset), UnsafeRawBufferPointer(start: buffer, count: size))
            }
        }
    }
}

/// What import needs of an archive entry's header, copied out of libarchive. Names are
/// their bytes, as `FileName` strings (see `ArchiveLocale`).
struct ArchiveHeader {
    let path: String
    let fileType: UInt32
    let mode: UInt32
    let uid: Int64
    let gid: Int64
    let size: Int64
    let symlink: String?
    let hardlink: String?
    let deviceMajor: UInt32
    let deviceMinor: UInt32

    init(_ entry: OpaquePointer) {
        path = ArchiveHeader.string(archive_entry_pathname(entry)) ?? ""
        let fullMode = UInt32(archive_entry_mode(entry))
        fileType = UInt32(archive_entry_filetype(entry)) & ArchiveFileType.mask
        mode = fullMode & 0o7777
        uid = Int64(archive_entry_uid(entry))
        gid = Int64(archive_entry_gid(entry))
        size = archive_entry_size_is_set(entry) != 0 ? Int64(archive_entry_size(entry)) : 0
        symlink = ArchiveHeader.string(archive_entry_symlink(entry))
        hardlink = ArchiveHeader.string(archive_entry_hardlink(entry))
        deviceMajor = UInt32(archive_entry_rdevmajor(entry))
        deviceMinor = UInt32(archive_entry_rdevminor(entry))
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return FileName.string(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
    }

    /// The manifest type this header holds, nil for a hard link or a socket.
    var entryType: EntryType? {
        if hardlink != nil { return nil }
        switch fileType {
        case ArchiveFileType.regular: return .file
        case ArchiveFileType.directory: return .directory
        case ArchiveFileType.symlink: return .symlink
        case ArchiveFileType.character: return .characterDevice
        case ArchiveFileType.block: return .blockDevice
        case ArchiveFileType.fifo: return .fifo
        default: return nil
        }
    }
}
