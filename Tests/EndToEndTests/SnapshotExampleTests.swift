import Foundation
import XCTest

/// examples/xcat-snapshot (seed 002, xcatexport/xcatimport): a fake management node is
/// packed onto a "usb stick" (usb/) and imported into an empty root, with the real binary.
final class SnapshotExampleTests: XCTestCase {
    static let paths = ["install", "tftpboot", "etc/xcat", "tmp/db"]
    static let archive = "usb/xcat-snapshot.tar.gz"
    static let manifest = "usb/xcat-snapshot.manifest"

    func testExportImportRestoresTheTreeMinusTheExcludes() throws {
        let example = try SnapshotExample()
        let run = try example.tbmake("--json", "verify-import")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), ["mn-setup", "xcat-export", "xcat-import", "verify-import"])
        XCTAssertTrue(try example.read(".tbmake/logs/verify-import.log").contains(
            "identical: install tftpboot etc/xcat tmp/db (70 entries, 36 files; excluded: **/initrd* **/kernel* **/rootimg/**)\n"))

        // GNU tar reads the archive: exactly the source's entries under the paths, minus
        // the excludes, plus the ancestors etc/ and tmp/.
        let source = try Tree(example.directory + "/.tbmake/hosts/mn", Self.paths, excluding: true)
        let listed = try example.shell("tar -tzf \(Self.archive)")
        XCTAssertEqual(listed.status, 0, "\(listed)")
        let expected = (["etc/", "tmp/"] + source.entries.map { $0.type == "d" ? $0.path + "/" : $0.path }).sorted()
        XCTAssertEqual(listed.stdout.split(separator: "\n").map(String.init).sorted(), expected)
        XCTAssertEqual(expected.count, 72)
        for kept in ["etc/xcat/ca/ca-key.pem", "install/autoinst/", "tftpboot/pxelinux.0", "tftpboot/pxelinux.cfg/01-52-54-00-0a-00-01",
                     "tftpboot/xcat/genesis.kernel.x86_64", "install/netboot/rhels8/x86_64/compute/compute.rhels8.pkglist",
                     "install/post/otherpkgs/rhels8/x86_64/xcat/xcat-dep/ipmitool-xcat-1.8.18-1.el8.x86_64.rpm", "tmp/db/passwd.csv"] {
            XCTAssertTrue(expected.contains(kept), kept)
        }
        // The source does hold what was excluded.
        for excluded in ["install/netboot/rhels8/x86_64/compute/kernel", "install/netboot/rhels8/x86_64/compute/rootimg/etc/hostname",
                         "tftpboot/xcat/osimage/rhels8-x86_64-netboot-compute/initrd-stateless.gz"] {
            XCTAssertTrue(example.exists(".tbmake/hosts/mn/" + excluded), excluded)
            XCTAssertFalse(example.exists(".tbmake/hosts/mn2/" + excluded), excluded)
        }

        // The restored tree equals the source minus the excludes: paths, types, modes,
        // sha256 and symlink targets; so do the ancestors and the restored database.
        let restored = try Tree(example.directory + "/.tbmake/hosts/mn2", Self.paths, excluding: false)
        XCTAssertEqual(restored.lines, source.lines)
        XCTAssertEqual(try Tree(example.directory + "/.tbmake/hosts/mn2", ["var/lib/xcat/db"], excluding: false).lines,
                       try Tree(example.directory + "/.tbmake/hosts/mn", ["var/lib/xcat/db"], excluding: false).lines)
        XCTAssertEqual(try mode(example.directory + "/.tbmake/hosts/mn2/tmp"), 0o1777)
        XCTAssertEqual(try mode(example.directory + "/.tbmake/hosts/mn2/etc"), 0o755)
        XCTAssertTrue(restored.lines.contains("l tftpboot/pxelinux.cfg/01-52-54-00-0a-00-01 -> n01"))
        XCTAssertTrue(restored.lines.contains("d install/autoinst 0755"))

        // Secrets keep 0600 after the import; the snapshot files are 0600.
        for key in ["etc/xcat/ca/ca-key.pem", "etc/xcat/cert/server-cred.pem", "etc/xcat/hostkeys/ssh_host_rsa_key",
                    "etc/xcat/cfgloc", "tmp/db/passwd.csv"] {
            XCTAssertEqual(try mode(example.directory + "/.tbmake/hosts/mn2/" + key), 0o600, key)
        }
        XCTAssertEqual(try mode(example.directory + "/" + Self.archive), 0o600)
        XCTAssertEqual(try mode(example.directory + "/" + Self.manifest), 0o600)
        XCTAssertTrue(example.exists(".tbmake/hosts/mn2/var/run/xcatd.pid"), "the daemons were started")
    }

    func testExportingTwiceGivesTheSameArchiveSoTheImportIsNotRerun() throws {
        let example = try SnapshotExample()
        XCTAssertEqual(try example.tbmake("xcat-import").status, 0)
        let archive = try example.sha256(Self.archive), manifest = try example.sha256(Self.manifest)

        // -B: the MN is rebuilt from scratch (new inodes, new mtimes) and packed again.
        let again = try example.tbmake("--json", "-B", "xcat-export")
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.decisions(), ["mn-setup": "run: forced (-B)", "xcat-export": "run: forced (-B)"])
        XCTAssertEqual(try example.sha256(Self.archive), archive)
        XCTAssertEqual(try example.sha256(Self.manifest), manifest)
        let cutoff = try example.tbmake("--json", "xcat-import")
        XCTAssertEqual(cutoff.status, 0, "\(cutoff)")
        XCTAssertEqual(cutoff.decisions(), ["mn-setup": "skip: up to date", "xcat-export": "skip: up to date",
                                            "xcat-import": "skip: up to date"])

        // Touched sources (other mtimes, atimes): packed again, the same bytes.
        let touched = try example.shell("find .tbmake/hosts/mn -exec touch -h -d @86400 {} + && rm \(Self.archive)")
        XCTAssertEqual(touched.status, 0, "\(touched)")
        let repacked = try example.tbmake("--json", "--no-restore", "xcat-import")
        XCTAssertEqual(repacked.status, 0, "\(repacked)")
        XCTAssertEqual(repacked.decisions(), ["mn-setup": "skip: up to date",
                                              "xcat-export": "run: output \(Self.archive) missing",
                                              "xcat-import": "skip: up to date"])
        XCTAssertEqual(try example.sha256(Self.archive), archive)
        XCTAssertEqual(try mode(example.directory + "/" + Self.archive), 0o600)
    }

    /// xcat-export runs on host mn (it dumps the database there): it has effects
    /// elsewhere, so a missing snapshot is packed again, never restored from the cache.
    func testAnExportOnAHostIsPackedAgainNotRestored() throws {
        let example = try SnapshotExample()
        XCTAssertEqual(try example.tbmake("xcat-export").status, 0)
        let archive = try example.sha256(Self.archive)
        XCTAssertEqual(try example.shell("rm \(Self.archive) \(Self.manifest)").status, 0)
        let again = try example.tbmake("--json", "xcat-export")
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.decisions()["xcat-export"], "run: output \(Self.archive) missing")
        XCTAssertEqual(try example.sha256(Self.archive), archive)
        for file in [Self.archive, Self.manifest] {
            XCTAssertEqual(try mode(example.directory + "/" + file), 0o600, file)
        }
    }

    /// A snapshot restored from the artifact cache must not become readable by others.
    func testASnapshotRestoredFromTheCacheKeepsItsRestrictiveMode() throws {
        let project = try Project(targetfile: """
            snap: tree/a.txt
                out  snap.tar.gz snap.manifest
                pack tree a.txt -> $(out)

            """)
        try project.write("tree/a.txt", "a\n")
        XCTAssertEqual(try project.tbmake("snap").status, 0)
        let archive = try project.sha256(file: "snap.tar.gz")
        XCTAssertEqual(try mode(project.path + "/snap.tar.gz"), 0o600)
        XCTAssertEqual(try project.shell("rm snap.tar.gz snap.manifest").status, 0)
        let restored = try project.tbmake("--json", "snap")
        XCTAssertEqual(restored.status, 0, "\(restored)")
        XCTAssertEqual(restored.decisions()["snap"], "restore: output snap.tar.gz missing; outputs for this key are in the cache")
        XCTAssertEqual(try project.sha256(file: "snap.tar.gz"), archive)
        for file in ["snap.tar.gz", "snap.manifest"] {
            // A read-only cache object no more open than the original's 0600.
            XCTAssertEqual(try mode(project.path + "/" + file), 0o400, file)
        }
    }

    func testACorruptedStickFailsTheImportAndLeavesNothingHalfImported() throws {
        let example = try SnapshotExample()
        XCTAssertEqual(try example.tbmake("xcat-export").status, 0)
        try flipByte(in: example.directory + "/" + Self.archive)

        let failed = try example.tbmake("site-import")
        XCTAssertEqual(failed.status, 1, "\(failed)")
        let errors = failed.stderr.split(separator: "\n").filter { $0.hasPrefix("tbmake: site-import failed: ") }
        XCTAssertEqual(errors.count, 1, failed.stderr)
        XCTAssertTrue(errors.first?.contains("from \(Self.archive) failed: ") ?? false, failed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: example.directory + "/.tbmake/hosts/site"),
                       [".tbmake-host-id"], "nothing of the import is left in the site's root")
        XCTAssertFalse(try example.read(".tbmake/logs/site-import.log").contains("restorexCATdb"), "no restore step ran")

        // In the lab, tbmake notices its output was modified and packs the MN again.
        let lab = try example.tbmake("--json", "xcat-import")
        XCTAssertEqual(lab.status, 0, "\(lab)")
        XCTAssertEqual(lab.decisions()["xcat-export"], "run: output \(Self.archive) was modified")
        XCTAssertTrue(example.exists(".tbmake/hosts/mn2/etc/xcat/ca/ca-key.pem"))
    }

    func testAHostileArchiveIsRefusedNamingTheEntry() throws {
        let project = try Project(targetfile: """
            host box = local

            evil: evil.tar evil.manifest
                host   box
                unpack evil.tar evil.manifest -> $(root)/dest

            listed-apart: evil.tar legit.manifest
                host   box
                unpack evil.tar legit.manifest -> $(root)/dest

            """)
        // evil.manifest lists '../escape' too, so the manifest itself is refused before the
        // archive is read; legit.manifest lists only ok.txt, so the archive's entry is refused.
        let made = try project.shell("""
            python3 - <<'EOF'
            import hashlib, io, tarfile
            def add(t, name, data):
                i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644; i.mtime = 0
                t.addfile(i, io.BytesIO(data))
            with tarfile.open('evil.tar', 'w', format=tarfile.PAX_FORMAT) as t:
                add(t, 'ok.txt', b'ok\\n'); add(t, '../escape', b'pwned\\n')
            def line(name, data):
                return 'file\\t0644\\t0:0\\t%d\\t%s\\t%s\\t-\\n' % (len(data), hashlib.sha256(data).hexdigest(), name)
            head = 'tbmake snapshot manifest 1\\nformat\\ttar\\nmtime\\t0\\nowners\\tnormalize\\nroot\\tok.txt\\n'
            open('evil.manifest', 'w').write(head + line('../escape', b'pwned\\n') + line('ok.txt', b'ok\\n') + 'end\\t2\\n')
            open('legit.manifest', 'w').write(head + line('ok.txt', b'ok\\n') + 'end\\t1\\n')
            EOF
            """)
        XCTAssertEqual(made.status, 0, "\(made)")
        XCTAssertEqual(try project.shell("tar -tf evil.tar").stdout, "ok.txt\n../escape\n")

        for (target, error) in [("evil", "evil.manifest:6: refusing entry '../escape': path contains a '..' component"),
                               ("listed-apart", "refusing archive entry '../escape': path contains a '..' component")] {
            let refused = try project.tbmake(target)
            XCTAssertEqual(refused.status, 1, "\(refused)")
            let errors = refused.stderr.split(separator: "\n").filter { $0.hasPrefix("tbmake: \(target) failed: ") }
            XCTAssertEqual(errors, ["tbmake: \(target) failed: " + error], refused.stderr)
            XCTAssertFalse(project.exists(".tbmake/hosts/box/dest"), target)
            let found = try project.shell("find . -name escape")
            XCTAssertEqual(found.stdout, "", "nothing written outside")
        }
    }
}

/// A copy of examples/xcat-snapshot in a fresh directory, without generated files.
private struct SnapshotExample {
    let project: Project
    let directory: String

    init() throws {
        project = try Project.demo()
        directory = project.path + "/examples/xcat-snapshot"
        try FileManager.default.createDirectory(atPath: project.path + "/examples", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TBMakeBinary.repositoryRoot + "/examples/xcat-snapshot", toPath: directory)
        for generated in [".tbmake", "cache", "usb", "mn.state"] {
            try? FileManager.default.removeItem(atPath: directory + "/" + generated)
        }
    }

    func exists(_ relative: String) -> Bool {
        var status = stat()
        return lstat(directory + "/" + relative, &status) == 0
    }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relative)), as: UTF8.self)
    }

    func tbmake(_ arguments: String...) throws -> RunResult {
        try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["-C", directory] + arguments).wait()
    }

    func shell(_ command: String) throws -> RunResult {
        try RunningTBMake(binary: "/bin/sh", arguments: ["-c", command], directory: directory).wait()
    }

    func sha256(_ relative: String) throws -> String {
        let result = try shell("sha256sum < '\(relative)'")
        guard result.status == 0 else { throw EndToEndError("sha256sum \(relative): \(result)") }
        return String(result.stdout.prefix(64))
    }
}

/// The entries under some paths of a root: type, path, mode, sha256 or link target,
/// sorted; with `excluding`, leaves out what the example's excludes match.
private struct Tree {
    struct Entry { var type: String; var path: String; var line: String }
    var entries: [Entry] = []
    var lines: [String] { entries.map(\.line) }

    init(_ root: String, _ paths: [String], excluding: Bool) throws {
        var files: [(index: Int, path: String)] = []
        func excluded(_ name: String) -> Bool {
            excluding && (name.hasPrefix("initrd") || name.hasPrefix("kernel") || name == "rootimg")
        }
        func walk(_ relative: String) throws {
            let full = root + "/" + relative
            var st = stat()
            guard lstat(full, &st) == 0 else { throw EndToEndError("lstat \(full) failed") }
            let mode = String(format: "%04o", st.st_mode & 0o7777)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(Entry(type: "d", path: relative, line: "d \(relative) \(mode)"))
                for name in try FileManager.default.contentsOfDirectory(atPath: full) where !excluded(name) {
                    try walk(relative + "/" + name)
                }
            case S_IFREG:
                // The digest is added below, all files hashed by one sha256sum.
                files.append((entries.count, full))
                entries.append(Entry(type: "f", path: relative, line: "f \(relative) \(mode)"))
            case S_IFLNK:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: full)
                entries.append(Entry(type: "l", path: relative, line: "l \(relative) -> \(target)"))
            default:
                entries.append(Entry(type: "?", path: relative, line: "? \(relative)"))
            }
        }
        for path in paths { try walk(path) }
        for (file, digest) in zip(files, try sha256sum(files.map(\.path))) { entries[file.index].line += " " + digest }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}

private func mode(_ path: String) throws -> UInt32 {
    var st = stat()
    guard lstat(path, &st) == 0 else { throw EndToEndError("lstat \(path) failed") }
    return UInt32(st.st_mode & 0o7777)
}

/// Inverts the byte in the middle of the file.
private func flipByte(in path: String) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[data.count / 2] ^= 0xff
    try data.write(to: URL(fileURLWithPath: path))
}
