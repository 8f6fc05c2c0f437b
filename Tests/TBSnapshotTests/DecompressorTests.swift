import Foundation
import Testing
import TBStore
@testable import TBSnapshot

/// Compressed archives are decompressed on a second thread through a ring of four 1 MiB
/// buffers (`Decompressor`): archives much bigger than the ring, a reader that stops
/// early, and a corrupt compressed stream.
@Suite struct DecompressorTests {
    /// A tree of ~12 MiB that compresses (so the tar stream fills the ring three times over).
    static func makeTree(_ root: String) {
        makeDirectory(root)
        makeDirectory(root + "/data")
        for i in 0..<6 {
            writeFile(root + "/data/f\(i)", pseudoRandomBytes(2_000_000 + i * 1_000, seed: UInt64(40 + i)))
        }
        writeFile(root + "/data/small", "small\n")
    }

    /// That tree, made in `work`/src and exported as `work`/a.<format> with `work`/a.manifest.
    static func export(in work: TemporaryDirectory, format: SnapshotFormat) throws -> (archive: String, manifestPath: String, manifest: Manifest) {
        makeTree(work.file("src"))
        let archive = work.file("a.\(format.fileExtension)"), manifestPath = work.file("a.manifest")
        let manifest = try Snapshot.export(SnapshotSpec(root: work.file("src"), paths: ["data"], format: format), archive: archive, manifest: manifestPath)
        return (archive, manifestPath, manifest)
    }

    @Test(arguments: [SnapshotFormat.tarGz, .tarZstd])
    func archiveBiggerThanTheRingRoundTrips(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let (archive, manifest, _) = try Self.export(in: work, format: format)
        let file = try OpenFile.open(archive, O_RDONLY)
        #expect(try Decompressor.start(file: file, path: archive) != nil)
        for verifyFirst in [false, true] {
            let destination = work.file("dest-\(verifyFirst)")
            _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
            #expect(listing(destination) == listing(work.file("src")))
        }
    }

    @Test func plainTarIsReadDirectly() throws {
        let work = TemporaryDirectory()
        let (archive, _, _) = try Self.export(in: work, format: .tar)
        #expect(try Decompressor.start(file: OpenFile.open(archive, O_RDONLY), path: archive) == nil)
    }

    /// The first file fails its check while the decompressing thread is ahead, blocked on
    /// a full ring: the import fails at once and the thread is stopped (no hang, no leak
    /// of the destination).
    @Test(arguments: [SnapshotFormat.tarGz, .tarZstd])
    func aReaderThatStopsEarlyStopsTheThread(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let (archive, manifestPath, exported) = try Self.export(in: work, format: format)
        var manifest = exported
        let first = try #require(manifest.entries.firstIndex { $0.type == .file })
        let forged = SHA256.digest("forged")
        let actual = manifest.entries[first].digest!
        manifest.entries[first].digest = forged
        writeFile(manifestPath, manifest.encoded())
        for _ in 0..<3 {
            #expect(throws: SnapshotError.manifestMismatch(entry: manifest.entries[first].path, reason: .digest(expected: forged, actual: actual))) {
                try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: work.file("dest"))
            }
            #expect(!FileManager.default.fileExists(atPath: work.file("dest")))
        }
    }

    /// A compressed stream cut short: the decompressing thread's own error ("Truncated
    /// zstd input", "truncated gzip input") reaches the caller as an archive error naming
    /// the archive and the entry being read, and nothing is imported.
    @Test(arguments: [SnapshotFormat.tarGz, .tarZstd])
    func aTruncatedStreamFailsWithTheDecompressorsError(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let (archive, manifest, _) = try Self.export(in: work, format: format)
        let bytes = fileBytes(archive)
        writeFile(archive, Array(bytes[..<(bytes.count * 3 / 5)]))
        let destination = work.file("dest")
        makeDirectory(destination)
        do {
            _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination)
            Issue.record("a truncated \(format) archive was imported")
        } catch {
            guard case .archive(let operation, let path, let message) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(operation.hasPrefix("read data of data/f"))
            #expect(path == archive)
            #expect(message.lowercased().contains("truncated"), "\(message)")
        }
        #expect(listing(destination) == [])
    }
}
