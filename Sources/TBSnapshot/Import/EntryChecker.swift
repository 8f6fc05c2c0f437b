import TBStore

/// Checks archive entries, one at a time and in archive order, against the safety rules
/// and the manifest. Throws at the first entry that fails, naming it.
struct EntryChecker {
    let manifest: Manifest
    let options: ImportOptions
    private let expected: [String: ManifestEntry]
    private var seen: Set<String> = []
    private var symlinks: [String: String] = [:]

    init(manifest: Manifest, options: ImportOptions) {
        self.manifest = manifest
        self.options = options
        var expected: [String: ManifestEntry] = [:]
        for entry in manifest.entries { expected[entry.path] = entry }
        self.expected = expected
    }

    /// The safety rules, then the manifest's metadata; returns the manifest line to check
    /// the content against.
    mutating func check(_ header: ArchiveHeader) throws(SnapshotError) -> ManifestEntry {
        var path = header.path
        while path.utf8.count > 1 && path.utf8.last == UInt8(ascii: "/") { path.removeLast() }
        if let reason = EntryPath.unsafeReason(path) { throw .unsafeEntry(entry: header.path, reason: reason) }
        if let target = header.hardlink { throw .unsafeEntry(entry: path, reason: .hardLink(target: target)) }
        guard let type = header.entryType else {
            throw .unsafeEntry(entry: path, reason: .unsupportedType(type: header.fileType == ArchiveFileType.socket ? "socket" : "0o" + String(header.fileType, radix: 8)))
        }
        if type.isDevice && !options.allowDevices {
            throw .unsafeEntry(entry: path, reason: .device(type: type == .fifo ? "FIFO" : "\(type == .blockDevice ? "block" : "character") device"))
        }
        if header.mode & 0o6000 != 0 && !options.allowSetuid { throw .unsafeEntry(entry: path, reason: .setuid(mode: header.mode)) }
        for ancestor in EntryPath.ancestors(path) where symlinks[ancestor] != nil {
            throw .unsafeEntry(entry: path, reason: .throughSymlink(link: ancestor))
        }
        if type == .symlink {
            let target = header.symlink ?? ""
            if target.isEmpty || SymlinkResolution.escapes(link: path, target: target, symlinks: symlinks) {
                throw .unsafeEntry(entry: path, reason: .symlinkEscapes(target: target))
            }
            symlinks[path] = target
        }
        guard seen.insert(path).inserted else { throw .unsafeEntry(entry: path, reason: .duplicate) }
        guard let entry = expected[path] else { throw .manifestMismatch(entry: path, reason: .notInManifest) }
        if entry.type != type { throw .manifestMismatch(entry: path, reason: .type(expected: entry.type.rawValue, actual: type.rawValue)) }
        if entry.mode != header.mode { throw .manifestMismatch(entry: path, reason: .mode(expected: entry.mode, actual: header.mode)) }
        if entry.uid != header.uid || entry.gid != header.gid {
            throw .manifestMismatch(entry: path, reason: .owner(expected: "\(entry.uid):\(entry.gid)", actual: "\(header.uid):\(header.gid)"))
        }
        if type == .file && entry.size != header.size { throw .manifestMismatch(entry: path, reason: .size(expected: entry.size, actual: header.size)) }
        if type == .symlink && entry.linkTarget != header.symlink {
            throw .manifestMismatch(entry: path, reason: .linkTarget(expected: entry.linkTarget, actual: header.symlink ?? ""))
        }
        if type == .characterDevice || type == .blockDevice, entry.deviceMajor != header.deviceMajor || entry.deviceMinor != header.deviceMinor {
            throw .manifestMismatch(entry: path, reason: .device(expected: "\(entry.deviceMajor),\(entry.deviceMinor)", actual: "\(header.deviceMajor),\(header.deviceMinor)"))
        }
        return entry
    }

    /// Checks a file's content as read from the archive (its size was checked with the
    /// header by `check`, and overruns while reading).
    func checkContent(_ entry: ManifestEntry, digest: Digest) throws(SnapshotError) {
        if let expected = entry.digest, expected != digest {
            throw .manifestMismatch(entry: entry.path, reason: .digest(expected: expected, actual: digest))
        }
    }

    /// After the last entry: every manifest entry was in the archive, and no symlink
    /// escapes once all of them are known (a link may climb through one that came later).
    func finish() throws(SnapshotError) {
        for entry in manifest.entries where !seen.contains(entry.path) {
            throw .manifestMismatch(entry: entry.path, reason: .missingFromArchive)
        }
        for (link, target) in symlinks.sorted(by: { EntryPath.precedes($0.key, $1.key) })
        where SymlinkResolution.escapes(link: link, target: target, symlinks: symlinks) {
            throw .unsafeEntry(entry: link, reason: .symlinkEscapes(target: target))
        }
    }
}

/// Where a symlink leads, resolved inside the destination as the archive would lay it out.
enum SymlinkResolution {
    /// Whether following `target` from the directory holding `link` leaves the
    /// destination: an absolute target, a `..` above the top, or any of that through the
    /// other symlinks of the archive (`symlinks`: path → target). A loop counts as escaping.
    static func escapes(link: String, target: String, symlinks: [String: String]) -> Bool {
        if target.hasPrefix("/") { return true }
        var stack = EntryPath.components(EntryPath.parent(link) ?? "").map(String.init)
        var pending = ArraySlice(EntryPath.components(target).map(String.init))
        var hops = 0
        while let component = pending.first {
            pending = pending.dropFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if stack.isEmpty { return true }
                stack.removeLast()
                continue
            }
            stack.append(component)
            if let next = symlinks[stack.joined(separator: "/")] {
                hops += 1
                if hops > 40 || next.hasPrefix("/") { return true }
                stack.removeLast()
                pending = ArraySlice(EntryPath.components(next).map(String.init)) + pending
            }
        }
        return false
    }
}
