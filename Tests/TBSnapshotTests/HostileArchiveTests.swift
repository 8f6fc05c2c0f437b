import Foundation
import Testing
import TBStore
@testable import TBSnapshot

/// One member of a hand-made tar: name, type (file, dir, symlink, hardlink, char, fifo),
/// mode, and content or link target.
struct Member {
    var name: String
    var type = "file"
    var mode = 0o644
    var value = ""
}

/// Writes `members` as a tar with python3's tarfile, which writes what it is told.
func makeTar(_ path: String, _ members: [Member]) throws {
    let script = """
    import io, json, sys, tarfile
    types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
             "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
    with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
        for m in json.loads(sys.argv[2]):
            info = tarfile.TarInfo(m["name"])
            info.type = types[m["type"]]
            info.mode = m["mode"]
            data = None
            if m["type"] == "file":
                data = m["value"].encode()
                info.size = len(data)
            elif m["type"] in ("symlink", "hardlink"):
                info.linkname = m["value"]
            elif m["type"] == "char":
                info.devmajor, info.devminor = 1, 3
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    """
    let json = "[" + members.map { m in
        let fields = [("name", m.name), ("type", m.type), ("value", m.value)].map { "\"\($0.0)\": \"\(jsonEscaped($0.1))\"" }
        return "{" + fields.joined(separator: ", ") + ", \"mode\": \(m.mode)}"
    }.joined(separator: ", ") + "]"
    let result = try run("/usr/bin/python3", ["-c", script, path, json])
    precondition(result.status == 0, "python3 tarfile: \(result.error)")
}

/// `text` inside a JSON string: control characters as \u escapes; a backslash is kept,
/// so that `\udce9` reaches python as the surrogateescape of the byte 0xE9.
private func jsonEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 {
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A manifest listing the harmless directories and symlinks of `members`, so that the
/// archive gets as far as its hostile entry (safety rules run before the manifest lookup).
func writeManifest(_ path: String, listing members: [Member]) {
    let entries = members.compactMap { m -> ManifestEntry? in
        switch m.type {
        case "dir": return ManifestEntry(path: m.name, type: .directory, mode: UInt32(m.mode))
        case "symlink" where !m.value.hasPrefix("/"): return ManifestEntry(path: m.name, type: .symlink, mode: UInt32(m.mode), linkTarget: m.value)
        default: return nil
        }
    }
    let sorted = entries.sorted { EntryPath.precedes($0.path, $1.path) }
    writeFile(path, Manifest(format: .tar, mtime: 0, owners: .normalize, roots: [], entries: sorted).encoded())
}

@Suite struct HostileArchiveTests {
    static let cases: [(String, [Member], SnapshotError)] = [
        ("absolute", [Member(name: "/tmp/tbmake-snapshot-evil", value: "x")],
         .unsafeEntry(entry: "/tmp/tbmake-snapshot-evil", reason: .absolutePath)),
        ("dotdot", [Member(name: "../escape", value: "x")],
         .unsafeEntry(entry: "../escape", reason: .parentComponent)),
        ("symlink to /etc then through it", [Member(name: "etc", type: "symlink", mode: 0o777, value: "/etc"),
                                             Member(name: "etc/tbmake-pwned", value: "x")],
         .unsafeEntry(entry: "etc", reason: .symlinkEscapes(target: "/etc"))),
        ("symlink climbing out", [Member(name: "a", type: "dir", mode: 0o755), Member(name: "a/up", type: "symlink", mode: 0o777, value: "../../x")],
         .unsafeEntry(entry: "a/up", reason: .symlinkEscapes(target: "../../x"))),
        ("symlink climbing through another", [Member(name: "a", type: "dir", mode: 0o755),
                                              Member(name: "a/l", type: "symlink", mode: 0o777, value: ".."),
                                              Member(name: "deep", type: "symlink", mode: 0o777, value: "a/l/..")],
         .unsafeEntry(entry: "deep", reason: .symlinkEscapes(target: "a/l/.."))),
        ("write through an inside symlink", [Member(name: "sub", type: "dir", mode: 0o755),
                                             Member(name: "link", type: "symlink", mode: 0o777, value: "sub"),
                                             Member(name: "link/x", value: "x")],
         .unsafeEntry(entry: "link/x", reason: .throughSymlink(link: "link"))),
        ("hard link to /etc/passwd", [Member(name: "passwd", type: "hardlink", value: "/etc/passwd")],
         .unsafeEntry(entry: "passwd", reason: .hardLink(target: "/etc/passwd"))),
        ("device node", [Member(name: "null", type: "char", mode: 0o666)],
         .unsafeEntry(entry: "null", reason: .device(type: "character device"))),
        ("fifo", [Member(name: "pipe", type: "fifo", mode: 0o600)],
         .unsafeEntry(entry: "pipe", reason: .device(type: "FIFO"))),
        ("setuid", [Member(name: "bin", type: "dir", mode: 0o755), Member(name: "bin/su", mode: 0o4755, value: "#!/bin/sh\n")],
         .unsafeEntry(entry: "bin/su", reason: .setuid(mode: 0o4755))),
        ("control characters in a name", [Member(name: "a", type: "dir", mode: 0o755), Member(name: hostileName, value: "x")],
         .manifestMismatch(entry: hostileName, reason: .notInManifest)),
        // "\\udce9" is python's surrogateescape for the byte 0xE9: a name in Latin-1 bytes.
        ("a name in Latin-1 bytes climbing out", [Member(name: "../r\\udce9seau", value: "x")],
         .unsafeEntry(entry: "../" + latin1, reason: .parentComponent)),
        ("a Latin-1 symlink to /etc", [Member(name: "r\\udce9seau", type: "symlink", mode: 0o777, value: "/etc/r\\udce9seau")],
         .unsafeEntry(entry: latin1, reason: .symlinkEscapes(target: "/etc/" + latin1))),
    ]

    /// An entry name that clears the screen and forges a summary line if printed raw.
    static let hostileName = "a/\u{1b}[2J\u{1b}[31mFAKE\ntbmake: ran 1, up to date 0 in 0.1s"
    /// "réseau" in Latin-1 bytes.
    static let latin1 = FileName.string([0x72, 0xE9, 0x73, 0x65, 0x61, 0x75])

    @Test(arguments: 0..<cases.count)
    func hostileArchiveIsRefusedAndDestinationUntouched(index: Int) throws {
        let (name, members, expected) = Self.cases[index]
        let work = TemporaryDirectory()
        let archive = work.file("hostile.tar"), manifest = work.file("hostile.manifest")
        try makeTar(archive, members)
        writeManifest(manifest, listing: members)
        let destination = work.file("dest")
        makeDirectory(destination)
        writeFile(destination + "/existing", "keep")
        let before = listing(destination)
        for verifyFirst in [true, false] {
            #expect(throws: expected, "\(name)") {
                try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
            }
            #expect(listing(destination) == before, "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tbmake-snapshot-evil"))
        #expect(!FileManager.default.fileExists(atPath: "/etc/tbmake-pwned"))
        #expect(!FileManager.default.fileExists(atPath: work.path + "/escape"))
    }

    /// The refusal of a name holding escape sequences and a newline is one line, with the
    /// escapes visible as text.
    @Test func aHostileNamePrintsAsOneVisibleLine() {
        let error = SnapshotError.manifestMismatch(entry: Self.hostileName, reason: .notInManifest)
        #expect(error.description == #"archive does not match its manifest at 'a/\e[2J\e[31mFAKE\ntbmake: ran 1, up to date 0 in 0.1s': entry is not in the manifest"#)
        let latin1 = SnapshotError.unsafeEntry(entry: "../" + Self.latin1, reason: .parentComponent)
        #expect(latin1.description == #"refusing archive entry '../r\xE9seau': path contains a '..' component"#)
    }

    /// The destination holds `evil`, a symlink to a directory outside it; the archive's
    /// root `data` holds a symlink leading through it (`../evil/x`). Refused, naming both,
    /// and the destination is untouched; with `evil` a plain directory the same archive
    /// imports.
    @Test func aSymlinkThroughASymlinkOfTheDestinationIsRefused() throws {
        let work = TemporaryDirectory()
        let members = [Member(name: "data", type: "dir", mode: 0o755), Member(name: "data/l", type: "symlink", mode: 0o777, value: "../evil/x")]
        let archive = work.file("a.tar"), manifest = work.file("a.manifest")
        try makeTar(archive, members)
        writeFile(manifest, Manifest(format: .tar, mtime: 0, owners: .normalize, roots: ["data"], entries: [
            ManifestEntry(path: "data", type: .directory, mode: 0o755),
            ManifestEntry(path: "data/l", type: .symlink, mode: 0o777, linkTarget: "../evil/x"),
        ]).encoded())
        let outside = work.file("outside")
        makeDirectory(outside)
        let destination = work.file("dest")
        makeDirectory(destination)
        #expect(symlink(outside, destination + "/evil") == 0)
        let before = listing(destination)
        for verifyFirst in [true, false] {
            #expect(throws: SnapshotError.unsafeEntry(entry: "data/l", reason: .throughDestinationSymlink(target: "../evil/x", link: "evil"))) {
                try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
            }
            #expect(listing(destination) == before)
        }
        #expect(SnapshotError.unsafeEntry(entry: "data/l", reason: .throughDestinationSymlink(target: "../evil/x", link: "evil")).description
                == "refusing archive entry 'data/l': symlink to '../evil/x' leads through 'evil', a symlink already in the destination")

        #expect(unlink(destination + "/evil") == 0)
        makeDirectory(destination + "/evil")
        _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination)
        #expect(try DirectoryListing.readLink(destination + "/data/l") == "../evil/x")
    }

    @Test func truncatedArchiveIsRefusedAndDestinationUntouched() throws {
        let work = TemporaryDirectory()
        let source = work.file("mn")
        makeDirectory(source)
        makeManagementNode(source)
        for format in SnapshotFormat.allCases {
            let archive = work.file("snap.\(format.fileExtension)"), manifest = work.file("snap.manifest")
            _ = try Snapshot.export(SnapshotSpec(root: source, paths: managementNodePaths, format: format), archive: archive, manifest: manifest)
            let size = fileBytes(archive).count
            #expect(truncate(archive, off_t(size / 2)) == 0)
            let destination = work.file("dest-\(format.rawValue)")
            makeDirectory(destination)
            writeFile(destination + "/existing", "keep")
            for verifyFirst in [true, false] {
                do {
                    _ = try Snapshot.importArchive(archive: archive, manifest: manifest, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
                    Issue.record("truncated \(format) archive was imported")
                } catch {
                    switch error {
                    case .archive(_, let path, let message):
                        #expect(path == archive)
                        #expect(!message.isEmpty)
                    case .manifestMismatch(_, .missingFromArchive):
                        break
                    default:
                        Issue.record("unexpected error \(error)")
                    }
                }
                #expect(listing(destination) == ["existing file 0644 4 " + SHA256.digest("keep").hex])
            }
        }
    }

    /// The single-pass import (the default) has extracted everything into its temporary
    /// directory when the last entry, or the check for missing entries, fails: an existing
    /// destination, holding an earlier import of the same roots, must be exactly as before.
    @Test func failureAtTheEndLeavesAnExistingDestinationExactlyAsBefore() throws {
        let work = TemporaryDirectory()
        let (archive, manifestPath, manifest) = try exportManagementNode(in: work, format: .tarZstd)
        let destination = work.file("dest")
        _ = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        writeFile(destination + "/etc/xcat/cfgloc", "edited since the last import\n", mode: 0o600)
        writeFile(destination + "/install/local-only", "not in any snapshot")
        writeFile(destination + "/unrelated", "keep")
        let before = listing(destination)

        let last = try #require(manifest.entries.last { $0.type == .file })
        #expect(last.path == manifest.entries.last?.path, "the forged file is the archive's last entry")
        let forged = SHA256.digest("forged")
        var lastForged = manifest
        lastForged.entries[lastForged.entries.count - 1].digest = forged
        var oneMore = manifest
        oneMore.entries.append(ManifestEntry(path: "var/lib/xcatdb/zz-missing.csv", type: .file, mode: 0o644, size: 1, digest: forged))
        let cases: [(Manifest, SnapshotError)] = [
            (lastForged, .manifestMismatch(entry: last.path, reason: .digest(expected: forged, actual: last.digest!))),
            (oneMore, .manifestMismatch(entry: "var/lib/xcatdb/zz-missing.csv", reason: .missingFromArchive)),
        ]
        for (bad, expected) in cases {
            writeFile(manifestPath, bad.encoded())
            for options in [ImportOptions(), ImportOptions(verifyFirst: true)] {
                #expect(throws: expected) {
                    try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination, options: options)
                }
                #expect(listing(destination) == before)
            }
        }
        #expect(ImportOptions().verifyFirst == false, "one pass is the default")
    }

    @Test func changedDigestInManifestIsRefusedAndDestinationUntouched() throws {
        let work = TemporaryDirectory()
        let (archive, manifestPath, manifest) = try exportManagementNode(in: work, format: .tarGz)
        let victim = manifest.entry("etc/xcat/cfgloc")!
        let forged = SHA256.digest("forged")
        writeFile(manifestPath, String(decoding: fileBytes(manifestPath), as: UTF8.self).replacingOccurrences(of: victim.digest!.hex, with: forged.hex))
        let destination = work.file("dest")
        for verifyFirst in [true, false] {
            #expect(throws: SnapshotError.manifestMismatch(entry: "etc/xcat/cfgloc", reason: .digest(expected: forged, actual: victim.digest!))) {
                try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
            }
            #expect(!FileManager.default.fileExists(atPath: destination))
        }
        // An entry the manifest does not list.
        var fewer = manifest
        fewer.entries.removeAll { $0.path == "etc/dhcp/dhcpd.conf" }
        writeFile(manifestPath, fewer.encoded())
        #expect(throws: SnapshotError.manifestMismatch(entry: "etc/dhcp/dhcpd.conf", reason: .notInManifest)) {
            try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
    }
}
