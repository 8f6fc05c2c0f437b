/// Relative '/'-separated entry paths: validation, ordering and parents.
enum EntryPath {
    /// Not empty, not absolute, no empty, '.' or '..' components, no NUL.
    static func isValid(_ path: String) -> Bool {
        unsafeReason(path) == nil && !path.hasSuffix("/")
    }

    /// Why `path` cannot be a snapshot entry, nil if it can.
    static func unsafeReason(_ path: String) -> UnsafeEntryReason? {
        if path.isEmpty { return .emptyPath }
        if path.hasPrefix("/") { return .absolutePath }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { return .parentComponent }
            if component.isEmpty || component == "." || component.utf8.contains(0) { return .emptyPath }
        }
        return nil
    }

    /// Byte order of the UTF-8 forms (what `sort` with LC_ALL=C gives), the archive order.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
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
