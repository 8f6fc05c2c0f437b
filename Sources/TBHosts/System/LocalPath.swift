import Glibc
import TBStore

/// Lexical operations on absolute paths of the local file system. Nothing here touches
/// the disk except `makeAbsolute` (which reads the working directory).
enum LocalPath {
    /// `path` made absolute against `base` and normalised lexically: no `.`, no `..`,
    /// no repeated or trailing `/`. (`..` is resolved lexically, like `cd -L`.)
    static func resolve(_ path: String, against base: String) -> String {
        normalize(path.hasPrefix("/") ? path : base + "/" + path)
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// An absolute, normalised form of `path`, relative paths taken from the current
    /// working directory.
    static func makeAbsolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return normalize("/" + path) }
        return resolve(path, against: String(cString: buffer))
    }

    /// The directory containing the normalised absolute `path` (`/` for `/x`).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path` (empty for `/`).
    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Whether `path` is `ancestor` or lies under it (both normalised and absolute).
    static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        path == ancestor || ancestor == "/" || path.hasPrefix(ancestor + "/")
    }

    /// The canonical path of an existing `path` (symlinks resolved), or nil.
    static func real(_ path: String) -> String? {
        guard let resolved = realpath(FileName.cString(path), nil) else { return nil }
        defer { free(resolved) }
        return FileName.string(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }
}
