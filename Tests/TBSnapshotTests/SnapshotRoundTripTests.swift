import Foundation
import Testing
import TBStore
@testable import TBSnapshot

/// The source listing restricted to what a snapshot of `paths` holds: the paths, what is
/// under them, and their ancestors; minus what `excludes` leave out.
func expectedListing(_ source: String, paths: [String], excludes: [String]) -> [String] {
    let ancestors = Set(paths.flatMap(EntryPath.ancestors))
    let captured = listing(source).filter { line in
        let path = String(line.split(separator: " ")[0])
        return ancestors.contains(path) || paths.contains { path == $0 || path.hasPrefix($0 + "/") }
    }
    return withoutExcluded(captured, excludes)
}

@Suite struct SnapshotRoundTripTests {
    @Test(arguments: SnapshotFormat.allCases)
    func managementNodeRoundTrip(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let source = work.file("mn")
        makeDirectory(source)
        makeManagementNode(source)
        let spec = SnapshotSpec(root: source, paths: managementNodePaths, excludes: xcatExcludes, format: format)
        let archive = work.file("snap.\(format.fileExtension)"), manifestPath = work.file("snap.manifest")
        let manifest = try Snapshot.export(spec, archive: archive, manifest: manifestPath)

        #expect(fileMode(archive) == 0o600)
        #expect(fileMode(manifestPath) == 0o600)
        #expect(manifest.roots == ["etc/dhcp", "etc/xcat", "install", "tftpboot", "var/lib/xcatdb"])
        #expect(!manifest.entries.contains { $0.path.contains("initrd") || $0.path.contains("kernel") || $0.path.contains("rootimg") })
        #expect(manifest.entry("etc/xcat/cert/server-key.pem")?.mode == 0o600)
        #expect(manifest.entry("etc/xcat/ca.pem")?.linkTarget == "cert/server-cert.pem")
        #expect(manifest.entry("install/empty")?.type == .directory)
        #expect(manifest.entries.map(\.path) == manifest.entries.map(\.path).sorted { EntryPath.precedes($0, $1) })
        let reparsed = try Manifest.parse(String(decoding: fileBytes(manifestPath), as: UTF8.self), path: manifestPath)
        #expect(reparsed == manifest)

        let destination = work.file("restored")
        let imported = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        #expect(imported == manifest)
        let expected = expectedListing(source, paths: managementNodePaths, excludes: xcatExcludes)
        #expect(listing(destination) == expected)
        #expect(expected.contains { $0.hasPrefix("etc/xcat/cert/server-key.pem file 0600 ") })
        #expect(fileMode(destination + "/etc/xcat/cert/server-key.pem") == 0o600)
        #expect(!listing(destination).contains { $0.hasPrefix(".tbmake-import") })
    }

    @Test func importReplacesExistingRootsAndKeepsOtherEntries() throws {
        let work = TemporaryDirectory()
        let source = work.file("mn")
        makeDirectory(source)
        makeManagementNode(source)
        let spec = SnapshotSpec(root: source, paths: ["etc/xcat", "install/custom"], format: .tar)
        _ = try Snapshot.export(spec, archive: work.file("a.tar"), manifest: work.file("a.manifest"))
        let destination = work.file("dest")
        makeDirectory(destination)
        makeDirectory(destination + "/etc", mode: 0o711)
        makeDirectory(destination + "/etc/xcat")
        writeFile(destination + "/etc/xcat/stale", "old")
        writeFile(destination + "/etc/passwd", "keep me")
        _ = try Snapshot.importArchive(archive: work.file("a.tar"), manifest: work.file("a.manifest"), into: destination)
        #expect(!FileManager.default.fileExists(atPath: destination + "/etc/xcat/stale"))
        #expect(String(decoding: fileBytes(destination + "/etc/passwd"), as: UTF8.self) == "keep me")
        #expect(fileMode(destination + "/etc") == 0o711)
        #expect(fileMode(destination + "/install") == 0o755)
        #expect(listing(destination + "/etc/xcat") == listing(source + "/etc/xcat"))
        #expect(listing(destination + "/install/custom") == listing(source + "/install/custom"))
    }

    @Test(arguments: SnapshotFormat.allCases)
    func reExportIsByteIdenticalAlsoAfterTouch(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let source = work.file("mn")
        makeDirectory(source)
        makeManagementNode(source)
        let spec = SnapshotSpec(root: source, paths: managementNodePaths, excludes: xcatExcludes, format: format, mtime: 1_700_000_000)
        _ = try Snapshot.export(spec, archive: work.file("1"), manifest: work.file("1.m"))
        _ = try Snapshot.export(spec, archive: work.file("2"), manifest: work.file("2.m"))
        #expect(fileBytes(work.file("1")) == fileBytes(work.file("2")))
        #expect(fileBytes(work.file("1.m")) == fileBytes(work.file("2.m")))
        var times = [timespec(tv_sec: 1_234_567, tv_nsec: 0), timespec(tv_sec: 1_234_567, tv_nsec: 0)]
        for path in ["install/xcat/rpms/xCAT-2.16.5-1.noarch.rpm", "etc/xcat", "etc/xcat/cfgloc", "install"] {
            #expect(utimensat(AT_FDCWD, source + "/" + path, &times, 0) == 0)
        }
        _ = try Snapshot.export(spec, archive: work.file("3"), manifest: work.file("3.m"))
        #expect(fileBytes(work.file("1")) == fileBytes(work.file("3")))
        #expect(fileBytes(work.file("1.m")) == fileBytes(work.file("3.m")))
        // A changed byte does change the archive.
        writeFile(source + "/etc/dhcp/dhcpd.conf", "subnet 10.0.0.0 netmask 255.255.0.0 {}\n#\n")
        _ = try Snapshot.export(spec, archive: work.file("4"), manifest: work.file("4.m"))
        #expect(fileBytes(work.file("1")) != fileBytes(work.file("4")))
    }

    @Test func sourceDateEpochIsTheDefaultMtime() throws {
        setenv("SOURCE_DATE_EPOCH", "1600000000", 1)
        let withEpoch = SnapshotSpec(root: "/", paths: ["etc"])
        unsetenv("SOURCE_DATE_EPOCH")
        #expect(withEpoch.mtime == 1_600_000_000)
    }

    @Test func gnuTarReadsEveryFormat() throws {
        let work = TemporaryDirectory()
        let source = work.file("mn")
        makeDirectory(source)
        makeManagementNode(source)
        let expected = expectedListing(source, paths: managementNodePaths, excludes: xcatExcludes)
        for (format, list, extract) in [(SnapshotFormat.tar, ["-tf"], ["-xf"]),
                                        (.tarGz, ["-tzf"], ["-xzf"]),
                                        (.tarZstd, ["--zstd", "-tf"], ["--zstd", "-xf"])] {
            let archive = work.file("snap.\(format.fileExtension)")
            let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: managementNodePaths, excludes: xcatExcludes, format: format),
                                               archive: archive, manifest: work.file("snap.manifest"))
            let listed = try run("/usr/bin/tar", list + [archive])
            #expect(listed.status == 0, "\(listed.error)")
            let names = listed.output.split(separator: "\n").map { $0.hasSuffix("/") ? String($0.dropLast()) : String($0) }
            #expect(names == manifest.entries.map(\.path))
            let out = work.file("gnu-\(format.rawValue)")
            makeDirectory(out)
            let extracted = try run("/usr/bin/tar", extract + [archive, "-C", out])
            #expect(extracted.status == 0, "\(extracted.error)")
            #expect(listing(out) == expected)
        }
    }
}
