import TBEngine
import TBSnapshot

/// `pack` and `unpack` steps on the local testbed, through libarchive (TBSnapshot):
/// deterministic pax archives with a manifest, verified and safely extracted.
final class SnapshotArchiver: Archiver, @unchecked Sendable {
    /// An archive name whose extension says no format tbmake writes.
    struct UnknownFormat: Error, CustomStringConvertible {
        var name: String
        var description: String { "cannot tell the format of \(name): name it .tar, .tar.gz or .tar.zst" }
    }

    func pack(root: String, paths: [String], excludes: [String], archive: String, manifest: String,
              formatName: String) throws {
        let spec = SnapshotSpec(root: root, paths: paths, excludes: excludes, format: try SnapshotArchiver.format(of: formatName))
        _ = try Snapshot.export(spec, archive: archive, manifest: manifest)
    }

    func unpack(archive: String, manifest: String, into destination: String) throws {
        _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination)
    }

    static func format(of name: String) throws -> SnapshotFormat {
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") { return .tarGz }
        if name.hasSuffix(".tar.zst") || name.hasSuffix(".tzst") { return .tarZstd }
        if name.hasSuffix(".tar") { return .tar }
        throw UnknownFormat(name: name)
    }
}
