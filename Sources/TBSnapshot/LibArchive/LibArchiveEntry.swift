import CArchive
import TBStore

/// One `struct archive_entry` for writing, freed in deinit. Cleared and reused for every
/// entry of an archive, so writing allocates nothing per entry.
final class LibArchiveEntry {
    let pointer: OpaquePointer

    private init(takingOwnership pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { archive_entry_free(pointer) }

    /// A fresh entry; libarchive fails only when out of memory, which stops the process.
    static func make() -> LibArchiveEntry {
        guard let pointer = archive_entry_new() else { fatalError("tbmake: archive_entry_new: out of memory") }
        return LibArchiveEntry(takingOwnership: pointer)
    }

    /// Fills the entry from a manifest line and the normalised timestamp. Names go in as
    /// their bytes (see `ArchiveLocale`).
    func set(_ entry: ManifestEntry, mtime: Int64) {
        archive_entry_clear(pointer)
        archive_entry_copy_pathname(pointer, FileName.cString(entry.path))
        archive_entry_set_mode(pointer, entry.type.archiveFileType | (entry.mode & 0o7777))
        archive_entry_set_uid(pointer, la_int64_t(entry.uid))
        archive_entry_set_gid(pointer, la_int64_t(entry.gid))
        archive_entry_set_mtime(pointer, time_t(mtime), 0)
        switch entry.type {
        case .file:
            archive_entry_set_size(pointer, la_int64_t(entry.size))
        case .symlink:
            archive_entry_copy_symlink(pointer, FileName.cString(entry.linkTarget))
            archive_entry_set_size(pointer, 0)
        case .characterDevice, .blockDevice:
            archive_entry_set_rdevmajor(pointer, dev_t(entry.deviceMajor))
            archive_entry_set_rdevminor(pointer, dev_t(entry.deviceMinor))
            archive_entry_set_size(pointer, 0)
        case .directory, .fifo:
            archive_entry_set_size(pointer, 0)
        }
    }
}
