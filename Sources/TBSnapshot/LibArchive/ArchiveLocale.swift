#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// The character set libarchive converts names through. It writes a pax `path` in
/// UTF-8 converted from the calling thread's locale, and libarchive 3.6 crashes when it
/// was given a UTF-8 name it cannot convert back (`archive_entry_set_pathname_utf8` in
/// the C locale, which tbmake runs in: every non-ASCII name). So names are always handed
/// over as their bytes (`archive_entry_copy_pathname`) with the thread's LC_CTYPE set to
/// C.UTF-8 for the duration of an export or import, whatever the user's locale: a UTF-8
/// name is written as the standard UTF-8 pax `path`, a name that is not UTF-8 as its
/// bytes under `hdrcharset=BINARY`, and reading gives back the bytes of either. The same
/// tree thus gives the same archive under every locale.
enum ArchiveLocale {
    nonisolated(unsafe) private static let utf8: locale_t? = newlocale(tb_lc_ctype_mask(), "C.UTF-8", nil)

    /// Runs `body` with the calling thread's LC_CTYPE set to C.UTF-8 (as it is, if the C
    /// library lacks that locale: names still keep their bytes, written as BINARY).
    static func withUTF8<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let utf8 else { return try body() }
        let previous = uselocale(utf8)
        defer { if let previous { uselocale(previous) } }
        return try body()
    }
}
