#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

/// Checks archive entries, one at a time and in archive order, against the safety rules
/// and the manifest. Throws at the first entry that fails, naming it.
struct EntryChecker {
    let manifest: Manifest
    let options: ImportOptions
    private let expected: [String: ManifestEntry]
    private var seen: Set<String> = []
    private var symlinks: [String: String] = [:]
    private let destination: DestinationLinks

    /// `destination`: the directory the archive goes into, when it exists, whose own
    /// symlinks outside the archive's roots a symlink of the archive must not lead through.
    init(manifest: Manifest, options: ImportOptions, destination: OpenFile?) {
        self.manifest = manifest
        self.options = options
        self.destination = DestinationLinks(directory: destination, roots: manifest.roots)
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
            if target.isEmpty { throw .unsafeEntry(entry: path, reason: .symlinkEscapes(target: target)) }
            if let reason = SymlinkResolution.refusal(link: path, target: target, symlinks: symlinks, destination: destination) {
                throw .unsafeEntry(entry: path, reason: reason)
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
        for (link, target) in symlinks.sorted(by: { EntryPath.precedes($0.key, $1.key) }) {
            if let reason = SymlinkResolution.refusal(link: link, target: target, symlinks: symlinks, destination: destination) {
                throw .unsafeEntry(entry: link, reason: reason)
            }
        }
    }
}

/// The symlinks already in the destination, where the archive does not replace them:
/// outside its roots (everything under a root is replaced by the archive's tree).
struct DestinationLinks {
    let directory: OpenFile?
    let roots: [String]

    /// Whether `path` (relative to the destination) is outside every root and is a
    /// symlink there now.
    func isSymlink(_ path: String) -> Bool {
        guard let directory, !roots.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) else { return false }
        var st = stat()
        return fstatat(directory.fd, FileName.cString(path), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }
}

/// Where a symlink leads, resolved inside the destination as the archive would lay it out.
enum SymlinkResolution {
    /// Why following `target` from the directory holding `link` is refused, nil if it
    /// stays inside the destination: `.symlinkEscapes` for an absolute target, a `..`
    /// above the top, or any of that through the other symlinks of the archive
    /// (`symlinks`: path → target; a loop counts as escaping); `.throughDestinationSymlink`
    /// when the way goes through a symlink the destination already holds, which the
    /// archive does not vouch for.
    static func refusal(link: String, target: String, symlinks: [String: String],
                        destination: DestinationLinks) -> UnsafeEntryReason? {
        let escapes = UnsafeEntryReason.symlinkEscapes(target: target)
        if target.hasPrefix("/") { return escapes }
        var stack = EntryPath.components(EntryPath.parent(link) ?? "").map(String.init)
        var pending = ArraySlice(EntryPath.components(target).map(String.init))
        var hops = 0
        while let component = pending.first {
            pending = pending.dropFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if stack.isEmpty { return escapes }
                stack.removeLast()
                continue
            }
            stack.append(component)
            let path = stack.joined(separator: "/")
            if let next = symlinks[path] {
                hops += 1
                if hops > 40 || next.hasPrefix("/") { return escapes }
                stack.removeLast()
                pending = ArraySlice(EntryPath.components(next).map(String.init)) + pending
            } else if destination.isSymlink(path) {
                return .throughDestinationSymlink(target: target, link: path)
            }
        }
        return nil
    }
}
