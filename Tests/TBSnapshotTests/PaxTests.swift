import Foundation
import Testing
import TBStore
@testable import TBSnapshot

@Suite struct PaxTests {
    /// Long paths (> 100 bytes), a uid over ustar's 2097151 (owners preserved), a setuid
    /// file (allowed) and a multi-MiB file: the pax headers round-trip and GNU tar reads them.
    @Test func longPathsBigIdsAndSetuidRoundTrip() throws {
        let work = TemporaryDirectory()
        let source = work.file("src")
        makeDirectory(source)
        var deep = source + "/data"
        makeDirectory(deep)
        for i in 0..<6 {
            deep += "/a-rather-long-directory-name-\(i)"
            makeDirectory(deep)
        }
        let longFile = deep + "/file-with-a-long-name.csv"
        writeFile(longFile, pseudoRandomBytes(3 << 20, seed: 42))
        #expect(longFile.count - source.count - 1 > 100)
        #expect(chown(longFile, 3_000_000, 3_000_001) == 0)
        writeFile(source + "/data/helper", "#!/bin/sh\n", mode: 0o755)
        #expect(chmod(source + "/data/helper", 0o4755) == 0)
        let archive = work.file("pax.tar"), manifestPath = work.file("pax.manifest")
        let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: ["data"], format: .tar, owners: .preserve),
                                           archive: archive, manifest: manifestPath)
        let relative = String(longFile.dropFirst(source.count + 1))
        #expect(manifest.entry(relative)?.uid == 3_000_000)
        #expect(manifest.entry("data/helper")?.mode == 0o4755)
        #expect(fileBytes(archive).withUnsafeBufferPointer { buffer in
            String(decoding: buffer, as: UTF8.self).contains("PaxHeader")
        })
        let listed = try run("/usr/bin/tar", ["--numeric-owner", "-tvf", archive])
        #expect(listed.status == 0)
        #expect(listed.output.contains("3000000/3000001"))
        #expect(listed.output.contains(relative))

        let destination = work.file("dest")
        #expect(throws: SnapshotError.unsafeEntry(entry: "data/helper", reason: .setuid(mode: 0o4755))) {
            try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        }
        _ = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination,
                                       options: ImportOptions(allowSetuid: true, restoreOwners: true))
        #expect(listing(destination, owners: true) == listing(source, owners: true))
        #expect(fileMode(destination + "/data/helper") == 0o4755)
    }

    /// A sparse file over 4 GiB, streamed through the fixed buffer. Takes about a minute:
    /// only with TBMAKE_SNAPSHOT_BIG=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TBMAKE_SNAPSHOT_BIG"] == "1"))
    func fileOverFourGiB() throws {
        let work = TemporaryDirectory()
        let source = work.file("src")
        makeDirectory(source)
        makeDirectory(source + "/big")
        let path = source + "/big/disk.img"
        writeFile(path, "header")
        let size: Int64 = (4 << 30) + 12345
        #expect(truncate(path, off_t(size)) == 0)
        let archive = work.file("big.tar.zst"), manifestPath = work.file("big.manifest")
        let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: ["big"], format: .tarZstd), archive: archive, manifest: manifestPath)
        #expect(manifest.entry("big/disk.img")?.size == size)
        #expect(manifest.entry("big/disk.img")?.digest == (try SHA256.digest(fileAt: path)))
        let destination = work.file("dest")
        _ = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        var st = stat()
        #expect(stat(destination + "/big/disk.img", &st) == 0)
        #expect(Int64(st.st_size) == size)
        #expect(try SHA256.digest(fileAt: destination + "/big/disk.img") == manifest.entry("big/disk.img")?.digest)
    }
}
