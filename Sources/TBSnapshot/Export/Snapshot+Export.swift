#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

extension Snapshot {
    /// Writes the archive of `spec`, read from `source` (the local file system unless
    /// given), to `archive` and its manifest to `manifest` (both local paths), each to a
    /// temporary file in the same directory, fsynced and renamed into place with mode 0600.
    /// Returns the manifest written. The same tree gives the same bytes from any source,
    /// under any locale. Names are bytes: any name the source holds, UTF-8 or not, is
    /// archived as it is (`FileName`).
    ///
    /// On failure (an unreadable file, a file that changes size while read, a socket, a
    /// full disk, a source that fails) nothing is left at either path that was not there
    /// before: earlier versions stay as they were and temporary files are removed.
    public static func export(_ spec: SnapshotSpec, from source: any SnapshotSource = LocalSnapshotSource(),
                              archive: String, manifest: String) throws(SnapshotError) -> Manifest {
        try ArchiveLocale.withUTF8 { () throws(SnapshotError) in
            try write(spec, from: source, archive: archive, manifest: manifest)
        }
    }

    private static func write(_ spec: SnapshotSpec, from source: any SnapshotSource,
                              archive: String, manifest: String) throws(SnapshotError) -> Manifest {
        let roots = try normalisedRoots(spec.paths)
        let sources = try collect(spec, roots: roots, from: source)
        let output = try AtomicFile(path: archive)
        let writer = try LibArchiveWriter.open(fd: output.file.fd, path: archive, format: spec.format)
        let header = LibArchiveEntry.make()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        let hasher = OverlappedHash()
        var entries: [ManifestEntry] = []
        entries.reserveCapacity(sources.count)
        // Writeback starts every `writebackStep` bytes of content, overlapping the final fsync.
        var sinceWriteback: Int64 = 0
        let wrote: (Int) -> Void = { count in
            sinceWriteback += Int64(count)
            if sinceWriteback >= writebackStep {
                output.startWriteback()
                sinceWriteback = 0
            }
        }
        for item in sources {
            var entry = item.entry
            if spec.owners == .normalize {
                entry.uid = 0
                entry.gid = 0
            }
            header.set(entry, mtime: spec.mtime)
            try writer.writeHeader(header, name: entry.path)
            if entry.type == .file {
                entry.digest = try copyContent(of: item.absolutePath, from: source, size: entry.size, to: writer,
                                               buffer: buffer, hasher: hasher, wrote: wrote)
            }
            entries.append(entry)
        }
        try writer.finish()
        let result = Manifest(format: spec.format, mtime: spec.mtime, owners: spec.owners, roots: roots, entries: entries)
        let manifestFile = try AtomicFile(path: manifest)
        try manifestFile.file.write(Array(result.encoded().utf8))
        // Archive and manifest usually share a directory (a USB stick): synced once.
        try output.commit(syncingDirectory: output.directory != manifestFile.directory)
        try manifestFile.commit()
        return result
    }

    /// 32 MiB: a few writeback requests per second at disk speed.
    static let writebackStep: Int64 = 32 << 20

    /// Streams the file at `path` into the archive through `buffer`, hashing it, and
    /// checks that it has exactly `size` bytes; `wrote` hears of each piece handed on.
    private static func copyContent(of path: String, from source: any SnapshotSource, size: Int64, to writer: LibArchiveWriter,
                                    buffer: UnsafeMutableRawBufferPointer, hasher: OverlappedHash,
                                    wrote: (Int) -> Void) throws(SnapshotError) -> Digest {
        let file = try source.open(path, expectedSize: size)
        var total: Int64 = 0
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            total += Int64(n)
            if total > size { throw .changedWhileReading(path: source.describe(path), expected: size, actual: total) }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            // Hashed on the other core while libarchive copies (and compresses) it.
            try hasher.update(chunk) { () throws(SnapshotError) in try writer.writeData(chunk, name: path) }
            wrote(n)
        }
        if total != size { throw .changedWhileReading(path: source.describe(path), expected: size, actual: total) }
        return hasher.finalize()
    }

    /// The spec's paths without trailing slashes, checked, sorted, and without those
    /// inside another one.
    static func normalisedRoots(_ paths: [String]) throws(SnapshotError) -> [String] {
        var cleaned: [String] = []
        for raw in paths {
            let path = FileTree.withoutTrailingSlashes(raw)
            if let reason = EntryPath.unsafeReason(path) {
                let why: String
                switch reason {
                case .absolutePath: why = "must be relative to the snapshot root"
                case .parentComponent: why = "must not contain '..'"
                default: why = "must name something under the root (not '.', no empty components)"
                }
                throw .invalidSpecPath(path: raw, reason: why)
            }
            cleaned.append(path)
        }
        cleaned.sort(by: EntryPath.precedes)
        var result: [String] = []
        for path in cleaned where !result.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            result.append(path)
        }
        return result
    }
}

/// One entry to archive: its manifest line (digest still missing) and where to read it.
struct SourceEntry {
    var entry: ManifestEntry
    var absolutePath: String
}

extension Snapshot {
    /// Every entry to archive, sorted by path: the roots' ancestors, the roots, and
    /// everything under root directories that no exclude pattern matches.
    static func collect(_ spec: SnapshotSpec, roots: [String], from source: any SnapshotSource) throws(SnapshotError) -> [SourceEntry] {
        let base = spec.root.hasSuffix("/") ? spec.root : spec.root + "/"
        var byPath: [String: SourceEntry] = [:]
        for root in roots {
            for ancestor in EntryPath.ancestors(root) where byPath[ancestor] == nil {
                guard let st = try source.status(base + ancestor) else {
                    throw .invalidSpecPath(path: root, reason: "does not exist under \(source.describe(spec.root))")
                }
                guard st.type == UInt32(S_IFDIR) else {
                    throw .invalidSpecPath(path: root, reason: "goes through \(ancestor), which is not a directory")
                }
                byPath[ancestor] = SourceEntry(entry: ManifestEntry(path: ancestor, type: .directory, mode: st.mode, uid: st.uid, gid: st.gid),
                                               absolutePath: base + ancestor)
            }
            if spec.isExcluded(root) { continue }
            guard let st = try source.status(base + root) else {
                throw .invalidSpecPath(path: root, reason: "does not exist under \(source.describe(spec.root))")
            }
            try add(root, st, base: base, spec: spec, from: source, into: &byPath)
        }
        return byPath.values.sorted { EntryPath.precedes($0.entry.path, $1.entry.path) }
    }

    private static func add(_ path: String, _ st: SourceStatus, base: String, spec: SnapshotSpec, from source: any SnapshotSource,
                            into byPath: inout [String: SourceEntry]) throws(SnapshotError) {
        let absolute = base + path
        var entry = ManifestEntry(path: path, type: .file, mode: st.mode, uid: st.uid, gid: st.gid)
        switch st.type {
        case UInt32(S_IFREG):
            entry.size = st.size
        case UInt32(S_IFDIR):
            entry.type = .directory
        case UInt32(S_IFLNK):
            entry.type = .symlink
            entry.linkTarget = try source.linkTarget(absolute)
        case UInt32(S_IFCHR), UInt32(S_IFBLK):
            entry.type = st.type == UInt32(S_IFCHR) ? .characterDevice : .blockDevice
            guard let major = st.deviceMajor, let minor = st.deviceMinor else {
                throw .source(operation: "read the device numbers of", path: source.describe(absolute), reason: "the source does not tell them")
            }
            entry.deviceMajor = major
            entry.deviceMinor = minor
        case UInt32(S_IFIFO):
            entry.type = .fifo
        default:
            throw .unsupportedFileType(path: source.describe(absolute), type: st.type == UInt32(S_IFSOCK) ? "socket" : "file of unknown type")
        }
        byPath[path] = SourceEntry(entry: entry, absolutePath: absolute)
        guard entry.type == .directory else { return }
        for (name, childStatus) in try source.entries(absolute) {
            let child = path + "/" + name
            if spec.isExcluded(child) { continue }
            try add(child, childStatus, base: base, spec: spec, from: source, into: &byPath)
        }
    }
}
