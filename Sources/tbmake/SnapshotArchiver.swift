import TBEngine
import TBHosts
import TBSnapshot

/// `pack` and `unpack` steps through libarchive (TBSnapshot): deterministic pax archives
/// with a manifest, verified and safely extracted. `pack` reads a local host's tree from
/// the file system and an ssh host's over SFTP (`SFTPSnapshotSource`); `unpack` writes
/// on local hosts only.
final class SnapshotArchiver: Archiver, @unchecked Sendable {
    /// An archive name whose extension says no format tbmake writes.
    struct UnknownFormat: Error, CustomStringConvertible {
        var name: String
        var description: String { "cannot tell the format of \(name): name it .tar, .tar.gz or .tar.zst" }
    }

    /// `unpack` on an ssh host, which it cannot write to.
    struct RemoteDestination: Error, CustomStringConvertible {
        var host: String
        var description: String {
            "unpack writes on local hosts only, and \(host) is an ssh host: unpack on a local host, then put the tree onto \(host)"
        }
    }

    func pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String,
              formatName: String, on host: Executor) throws -> [PackedEntry] {
        let spec = SnapshotSpec(root: root, paths: paths, excludes: excludes, format: try SnapshotArchiver.format(of: formatName))
        let source: any SnapshotSource = (host.unguarded as? SSHExecutor).map { SFTPSnapshotSource(host: $0) } ?? LocalSnapshotSource()
        let written = try Snapshot.export(spec, from: source, archive: archive, manifest: manifest)
        let base = root.hasSuffix("/") ? root : root + "/"
        return written.entries.map { SnapshotArchiver.packedEntry($0, at: base + $0.path) }
    }

    func packedEntries(root: String, paths: [String], excludes: [String], on host: Executor) throws -> [PackedEntry]? {
        if host.unguarded is SSHExecutor { return nil }
        let spec = SnapshotSpec(root: root, paths: paths, excludes: excludes)
        return try Snapshot.plannedEntries(spec).map { SnapshotArchiver.packedEntry($0.entry, at: $0.sourcePath) }
    }

    /// What the engine keys of an entry: the same line whether listed or packed.
    private static func packedEntry(_ entry: ManifestEntry, at path: String) -> PackedEntry {
        var attributes = "\(entry.type.rawValue) \(String(entry.mode, radix: 8))"
        switch entry.type {
        case .symlink: attributes += " -> " + entry.linkTarget
        case .characterDevice, .blockDevice: attributes += " \(entry.deviceMajor),\(entry.deviceMinor)"
        case .file, .directory, .fifo: break
        }
        return PackedEntry(path: entry.path, attributes: attributes, localPath: path, digest: entry.digest,
                           isRegularFile: entry.type == .file)
    }

    func unpack(archive: String, manifest: String, into destination: String, on host: Executor) throws {
        if host.unguarded is SSHExecutor { throw RemoteDestination(host: host.hostName) }
        _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination)
    }

    static func format(of name: String) throws -> SnapshotFormat {
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") { return .tarGz }
        if name.hasSuffix(".tar.zst") || name.hasSuffix(".tzst") { return .tarZstd }
        if name.hasSuffix(".tar") { return .tar }
        throw UnknownFormat(name: name)
    }
}
