#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

extension Snapshot {
    /// Imports the archive at `archive`, described by the manifest at `manifest`, into the
    /// directory `destination` (created if missing; its parent must exist). Returns the
    /// manifest.
    ///
    /// 1. With `options.verifyFirst` only: reads the whole archive once, checking it as
    ///    step 2 does, before writing anything.
    /// 2. Reads the archive, checking each entry against the safety rules and the manifest
    ///    (every entry listed with the same type, mode, owner, size, SHA-256 and link
    ///    target, nothing extra, nothing missing) before creating it in a temporary
    ///    directory inside `destination` (`.tbmake-import.XXXXXX`); a file's content is
    ///    hashed as it is written and compared before the next entry is read.
    /// 3. Only once the whole archive checked out, moves each root (`Manifest.roots`) into
    ///    place, replacing an existing one by an atomic exchange; missing ancestor
    ///    directories are created with the manifest's modes, existing ones are left as
    ///    they are. If a move fails, those already made are undone.
    ///
    /// Refused, with an error naming the entry: absolute paths, `..` components, symlinks
    /// leading outside the destination (absolute, climbing out, or through other links),
    /// symlinks leading through a symlink the destination already holds outside the roots,
    /// hard links, entries below a symlink, duplicates, sockets, devices and FIFOs unless
    /// `allowDevices`, setuid/setgid bits unless `allowSetuid`. A truncated or corrupt
    /// archive, or any mismatch, fails the import: the temporary directory is removed
    /// with all it holds (and `destination` too if the import created it), so the
    /// destination is as it was; nothing is left half-imported under a root's name.
    public static func importArchive(archive: String, manifest manifestPath: String, into destination: String,
                                     options: ImportOptions = ImportOptions()) throws(SnapshotError) -> Manifest {
        let manifest = try readManifest(manifestPath)
        if options.verifyFirst {
            let existing = try DirectoryListing.lstat(destination) == nil ? nil : try OpenFile.open(destination, O_RDONLY | O_DIRECTORY)
            try scan(archive: archive, manifest: manifest, options: options, destination: existing, into: nil)
        }
        var createdDestination = false
        if try DirectoryListing.lstat(destination) == nil {
            guard mkdir(destination, 0o755) == 0 else { throw .lastIO("create directory", destination) }
            createdDestination = true
        }
        var success = false
        defer { if !success && createdDestination { rmdir(destination) } }
        let destinationDir = try OpenFile.open(destination, O_RDONLY | O_DIRECTORY)
        let staging = try StagingDirectory(in: destinationDir, path: destination)
        let extractor = TreeExtractor(top: staging.dir, options: options, mtime: manifest.mtime)
        try scan(archive: archive, manifest: manifest, options: options, destination: destinationDir, into: extractor)
        try extractor.finish()
        try install(manifest, from: staging, into: destinationDir, path: destination)
        success = true
        return manifest
    }

    static func readManifest(_ path: String) throws(SnapshotError) -> Manifest {
        let bytes = try OpenFile.open(path, O_RDONLY).readAll()
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidManifest(path: path, line: 0, reason: "not UTF-8")
        }
        return try Manifest.parse(text, path: path)
    }

    /// Reads the archive once, checking every entry (symlinks also against the links
    /// `destination` already holds, when it exists); creates each through `extractor`
    /// when there is one.
    static func scan(archive: String, manifest: Manifest, options: ImportOptions, destination: OpenFile?,
                     into extractor: TreeExtractor?) throws(SnapshotError) {
        try ArchiveLocale.withUTF8 { () throws(SnapshotError) in
            try scanEntries(archive: archive, manifest: manifest, options: options, destination: destination, into: extractor)
        }
    }

    private static func scanEntries(archive: String, manifest: Manifest, options: ImportOptions, destination: OpenFile?,
                                    into extractor: TreeExtractor?) throws(SnapshotError) {
        let reader = try LibArchiveReader.open(OpenFile.open(archive, O_RDONLY), path: archive)
        var checker = EntryChecker(manifest: manifest, options: options, destination: destination)
        let hasher = OverlappedHash()
        while let header = try reader.nextHeader() {
            let entry = try checker.check(header)
            guard entry.type == .file else {
                try extractor?.create(entry)
                continue
            }
            let output = try extractor?.createFile(entry)
            var position: Int64 = 0
            try reader.readData(name: entry.path) { (offset, block) throws(SnapshotError) in
                if offset < position || offset + Int64(block.count) > entry.size {
                    throw .manifestMismatch(entry: entry.path, reason: .size(expected: entry.size, actual: max(position, offset + Int64(block.count))))
                }
                if offset > position { hasher.updateZeros(offset - position) }
                if let output {
                    // Hashed on the other core while written; still checked below before
                    // the file is finished, and all of it before anything is installed.
                    try hasher.update(block) { () throws(SnapshotError) in try output.write(block, at: offset) }
                } else {
                    hasher.update(block)
                }
                position = offset + Int64(block.count)
            }
            if position < entry.size { hasher.updateZeros(entry.size - position) }
            try checker.checkContent(entry, digest: hasher.finalize())
            if let output { try extractor?.finishFile(output, entry, written: position) }
        }
        try checker.finish()
    }
}
