import TBStore

/// Relative '/'-separated entry paths: validation, ordering and parents.
enum EntryPath {
    /// Not empty, not absolute, no empty, '.' or '..' components, no NUL.
    static func isValid(_ path: String) -> Bool {
        unsafeReason(path) == nil
    }

    /// Why `path` cannot be a snapshot entry, nil if it can.
    static func unsafeReason(_ path: String) -> UnsafeEntryReason? {
        // On UTF-8 bytes, as the kernel sees the path (a '/' followed by a combining mark
        // is one Character but still a separator there), and much faster than splitting
        // into Characters, which this did once per entry on every import pass.
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        if path.isEmpty { return .emptyPath }
        if path.utf8.first == slash { return .absolutePath }
        for component in path.utf8.split(separator: slash, omittingEmptySubsequences: false) {
            if component.count == 2 && component.first == dot && component.last == dot { return .parentComponent }
            if component.isEmpty || (component.count == 1 && component.first == dot) || component.contains(0) { return .emptyPath }
        }
        return nil
    }

    /// Byte order of the names' bytes (what `sort` with LC_ALL=C gives), the archive order.
    static func precedes(_ a: String, _ b: String) -> Bool {
        // 0xF4 leads the UTF-8 of the scalars `FileName` uses for bytes that are not
        // UTF-8: only then do the bytes differ from the UTF-8 form.
        if a.utf8.contains(0xF4) || b.utf8.contains(0xF4) {
            return FileName.bytes(a).lexicographicallyPrecedes(FileName.bytes(b))
        }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The parent path, nil for a top-level entry.
    static func parent(_ path: String) -> String? {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(path[..<slash])
    }

    /// All proper ancestors, outermost first: "a/b/c" → ["a", "a/b"].
    static func ancestors(_ path: String) -> [String] {
        var result: [String] = []
        var current = parent(path)
        while let p = current {
            result.append(p)
            current = parent(p)
        }
        return result.reversed()
    }

    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/")
    }
}
