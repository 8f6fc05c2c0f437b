#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// Why a snapshot could not be exported or imported. Each case prints as one line that
/// names the file or archive entry at fault, in the C library's own words where one failed.
/// Names come from file systems, archives and remote hosts: the line is `printable`, so a
/// control character or a byte that is not UTF-8 in a name shows as an escape (`\e`,
/// `\n`, `\xE9`) and cannot break the line or drive the terminal.
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    /// A system call failed; prints as "cannot open install/a.rpm: Permission denied".
    case io(operation: String, path: String, errno: Int32)
    /// A libarchive call failed on `path` (the archive file); `message` is
    /// `archive_error_string` (empty if libarchive gave none).
    case archive(operation: String, path: String, message: String)
    /// A path in the spec is unusable (absolute, `..`, empty, `.`, not under the root).
    case invalidSpecPath(path: String, reason: String)
    /// A socket or another type a snapshot cannot hold.
    case unsupportedFileType(path: String, type: String)
    /// A `SnapshotSource` other than the local file system failed (a remote host's SFTP
    /// server refused, the connection was lost); prints as "cannot list mn:/install:
    /// Permission denied".
    case source(operation: String, path: String, reason: String)
    /// `path` changed size while it was archived (read `actual` bytes, stat said `expected`).
    case changedWhileReading(path: String, expected: Int64, actual: Int64)
    /// The archive holds an entry that import refuses; nothing was written.
    case unsafeEntry(entry: String, reason: UnsafeEntryReason)
    /// The archive and its manifest disagree about `entry`; nothing was written, or what
    /// was written has been removed.
    case manifestMismatch(entry: String, reason: MismatchReason)
    /// The manifest file cannot be parsed: line `line` (1-based; 0 for the whole file).
    case invalidManifest(path: String, line: Int, reason: String)
    /// The manifest's first line is not a version this tbmake reads.
    case unsupportedManifest(path: String, found: String)

    public var description: String { printable(text) }

    private var text: String {
        switch self {
        case .io(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        case .archive(let operation, let path, let message):
            return "\(operation) \(path) failed: \(message.isEmpty ? "no detail from libarchive" : message)"
        case .invalidSpecPath(let path, let reason):
            return "snapshot path '\(path)' \(reason)"
        case .unsupportedFileType(let path, let type):
            return "\(path) is a \(type); snapshots hold files, directories, symlinks, devices and FIFOs"
        case .source(let operation, let path, let reason):
            return "cannot \(operation) \(path): \(reason)"
        case .changedWhileReading(let path, let expected, let actual):
            return "\(path) changed while it was archived: stat said \(expected) bytes, read \(actual)"
        case .unsafeEntry(let entry, let reason):
            return "refusing archive entry '\(entry)': \(reason)"
        case .manifestMismatch(let entry, let reason):
            return "archive does not match its manifest at '\(entry)': \(reason)"
        case .invalidManifest(let path, let line, let reason):
            return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case .unsupportedManifest(let path, let found):
            return "\(path) is not a tbmake snapshot manifest this version reads (first line \"\(found)\")"
        }
    }
}

/// Why import refuses an entry.
public enum UnsafeEntryReason: Equatable, Sendable, CustomStringConvertible {
    case absolutePath
    case parentComponent
    case emptyPath
    /// A symlink whose target (absolute, or climbing above the destination) leads outside.
    case symlinkEscapes(target: String)
    /// A hard link; `target` is where it points. Snapshots never contain hard links, and
    /// one pointing outside (`/etc/passwd`, `../x`) would alias a file outside the destination.
    case hardLink(target: String)
    case device(type: String)
    case setuid(mode: UInt32)
    /// The entry's path goes through `link`, a symlink earlier in the archive.
    case throughSymlink(link: String)
    /// A symlink to `target` that leads through `link`, a symlink the destination already
    /// holds outside the archive's roots: where that leads is not the archive's to vouch for.
    case throughDestinationSymlink(target: String, link: String)
    case duplicate
    case unsupportedType(type: String)

    public var description: String {
        switch self {
        case .absolutePath: return "absolute path"
        case .parentComponent: return "path contains a '..' component"
        case .emptyPath: return "empty path"
        case .symlinkEscapes(let target): return "symlink to '\(target)' points outside the destination"
        case .hardLink(let target): return "hard link to '\(target)'" + (target.hasPrefix("/") || target.split(separator: "/").contains("..") ? " points outside the destination" : " (snapshots hold no hard links)")
        case .device(let type): return "\(type) (pass allowDevices to import device nodes and FIFOs)"
        case .setuid(let mode): return "mode \(octal(mode)) has setuid/setgid bits (pass allowSetuid to import them)"
        case .throughSymlink(let link): return "would be written through the symlink '\(link)'"
        case .throughDestinationSymlink(let target, let link):
            return "symlink to '\(target)' leads through '\(link)', a symlink already in the destination"
        case .duplicate: return "appears twice in the archive"
        case .unsupportedType(let type): return "unsupported entry type \(type)"
        }
    }
}

/// How an archive entry differs from its manifest line.
public enum MismatchReason: Equatable, Sendable, CustomStringConvertible {
    case notInManifest
    case missingFromArchive
    case type(expected: String, actual: String)
    case mode(expected: UInt32, actual: UInt32)
    case owner(expected: String, actual: String)
    case size(expected: Int64, actual: Int64)
    case digest(expected: Digest, actual: Digest)
    case linkTarget(expected: String, actual: String)
    /// A device's numbers, `major,minor`.
    case device(expected: String, actual: String)

    public var description: String {
        switch self {
        case .notInManifest: return "entry is not in the manifest"
        case .missingFromArchive: return "listed in the manifest but missing from the archive"
        case .type(let e, let a): return "manifest says \(e), archive holds \(a)"
        case .mode(let e, let a): return "manifest says mode \(octal(e)), archive holds \(octal(a))"
        case .owner(let e, let a): return "manifest says owner \(e), archive holds \(a)"
        case .size(let e, let a): return "manifest says \(e) bytes, archive holds \(a)"
        case .digest(let e, let a): return "manifest says sha256 \(e.short), content hashes to \(a.short)"
        case .linkTarget(let e, let a): return "manifest says link to '\(e)', archive holds '\(a)'"
        case .device(let e, let a): return "manifest says device \(e), archive holds \(a)"
        }
    }
}

/// A permission mode as four octal digits, e.g. "0600", "4755".
func octal(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

extension SnapshotError {
    /// `.io` with the calling thread's current `errno`.
    static func lastIO(_ operation: String, _ path: String) -> SnapshotError {
        .io(operation: operation, path: path, errno: errno)
    }
}
