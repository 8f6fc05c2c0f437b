import Foundation
import XCTest

/// `pack` in a target on an ssh host reads ROOT and the PATHs on that host over SFTP and
/// writes the archive and manifest in the project, with the real binary and a real sshd on
/// loopback. The "remote" tree is a local directory here, so packing it locally too must
/// give the same bytes.
final class RemoteSnapshotTests: XCTestCase {
    static let kept = ["etc/", "etc/xcat/", "etc/xcat/ca.pem", "etc/xcat/cert/", "etc/xcat/cert/server-key.pem",
                       "install/", "install/empty/", "install/netboot/", "install/netboot/compute/",
                       "install/netboot/compute/compute.pkglist", "install/xcat/", "install/xcat/rpms/",
                       "install/xcat/rpms/perl-xCAT-2.16.5.noarch.rpm", "install/xcat/rpms/xCAT-2.16.5.x86_64.rpm",
                       "tftpboot/", "tftpboot/xcat/", "tftpboot/xcat/osimage/", "tftpboot/xcat/xnba.kpxe", "tmp/", "tmp/db/", "tmp/db/site.csv"]
    static let big = (0..<(1_600_000 / 8)).map { i in String(format: "%07x\n", i &* 2_654_435_761 & 0xfffffff) }.joined()

    /// A small management node: rpms (one over 1 MiB, read in several SFTP requests), an
    /// empty directory, a diskless image whose kernel, initrd and rootimg are excluded, a
    /// 0600 key with a symlink to it, and a db dump.
    private func makeManagementNode(_ root: String) throws {
        let files: [(String, String, Int)] = [
            ("install/xcat/rpms/xCAT-2.16.5.x86_64.rpm", Self.big, 0o644),
            ("install/xcat/rpms/perl-xCAT-2.16.5.noarch.rpm", "perl-xCAT\n", 0o644),
            ("install/netboot/compute/kernel", "vmlinuz\n", 0o644),
            ("install/netboot/compute/initrd-stateless.gz", "initrd\n", 0o644),
            ("install/netboot/compute/rootimg/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644),
            ("install/netboot/compute/compute.pkglist", "bash\n", 0o644),
            ("tftpboot/xcat/xnba.kpxe", "xnba\n", 0o644),
            ("tftpboot/xcat/osimage/initrd.img", "initrd\n", 0o644),
            ("etc/xcat/cert/server-key.pem", "-----BEGIN PRIVATE KEY-----\n", 0o600),
            ("tmp/db/site.csv", "#key,value\n\"master\",\"10.0.0.1\"\n", 0o600),
            ("var/lib/not-packed", "x\n", 0o644),
        ]
        for (path, text, mode) in files {
            try FileManager.default.createDirectory(atPath: root + "/" + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: root + "/" + path, atomically: false, encoding: .utf8)
            XCTAssertEqual(chmod(root + "/" + path, mode_t(mode)), 0)
        }
        try FileManager.default.createDirectory(atPath: root + "/install/empty", withIntermediateDirectories: true)
        XCTAssertEqual(chmod(root + "/install/empty", 0o750), 0)
        XCTAssertEqual(chmod(root + "/tmp/db", 0o700), 0)
        XCTAssertEqual(symlink("cert/server-key.pem", root + "/etc/xcat/ca.pem"), 0)
    }

    func testPackOnAnSSHHostReadsThereAndGivesTheBytesOfALocalPack() throws {
        let hosts = try LoopbackHosts(["mn"])
        let tree = hosts.directory + "/mn"
        try makeManagementNode(tree)
        let project = try Project(targetfile: """
            host mn = ssh mnbox root=\(tree)
            PATHS    = install tftpboot etc/xcat tmp/db
            EXCLUDES = **/initrd* **/kernel* **/rootimg/**

            remote:
                host    mn
                exclude $(EXCLUDES)
                out     remote.tar.zst remote.manifest
                pack    $(root) $(PATHS) -> $(out)

            local:
                exclude $(EXCLUDES)
                out     local.tar.zst local.manifest
                pack    \(tree) $(PATHS) -> $(out)

            ## A relative ROOT is the host's root, as for put and get.
            relative:
                host    mn
                exclude $(EXCLUDES)
                out     relative.tar.gz relative.manifest
                pack    . install -> $(out)

            missing:
                host    mn
                out     missing.tar missing.manifest
                pack    $(root) nothere -> $(out)

            restore-there:
                host    mn
                unpack  local.tar.zst local.manifest -> $(root)/restored
            """)
        func tbmake(_ arguments: String...) throws -> RunResult {
            try RunningTBMake(binary: "/usr/bin/env",
                              arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                          "--ssh-config", hosts.sshConfig] + arguments).wait()
        }
        let run = try tbmake("--json", "remote", "local", "relative")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(Set(run.started()), ["remote", "local", "relative"])

        // Byte-identical archive and manifest, whichever side read the tree.
        XCTAssertEqual(try Data(contentsOf: project.url("remote.tar.zst")), try Data(contentsOf: project.url("local.tar.zst")))
        XCTAssertEqual(try project.read("remote.manifest"), try project.read("local.manifest"))
        XCTAssertTrue(try project.read("remote.manifest").contains("etc/xcat/cert/server-key.pem"))

        // GNU tar reads it: exactly the kept entries, nothing excluded.
        let listed = try project.shell("tar --zstd -tf remote.tar.zst")
        XCTAssertEqual(listed.status, 0, "\(listed)")
        XCTAssertEqual(listed.stdout.split(separator: "\n").map(String.init).sorted(), Self.kept)
        let extracted = try project.shell("mkdir x && tar --zstd -xf remote.tar.zst -C x")
        XCTAssertEqual(extracted.status, 0, "\(extracted)")
        XCTAssertEqual(try project.read("x/install/xcat/rpms/xCAT-2.16.5.x86_64.rpm"), Self.big)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: project.path + "/x/etc/xcat/ca.pem"), "cert/server-key.pem")
        var status = stat()
        XCTAssertEqual(lstat(project.path + "/x/etc/xcat/cert/server-key.pem", &status), 0)
        XCTAssertEqual(status.st_mode & 0o7777, 0o600)

        // The relative root was the host's root, read over SFTP (the project has no install/).
        let relative = try project.shell("tar -tzf relative.tar.gz")
        XCTAssertEqual(relative.stdout.split(separator: "\n").map(String.init).sorted(),
                       Self.kept.filter { $0.hasPrefix("install/") })

        // Failures are one line naming the host; unpack does not write on an ssh host.
        let missing = try tbmake("missing")
        XCTAssertEqual(missing.status, 1, "\(missing)")
        XCTAssertTrue(missing.stderr.contains("tbmake: missing failed: snapshot path 'nothere' does not exist under mn:\(tree)\n"),
                      missing.stderr)
        XCTAssertFalse(project.exists("missing.tar"))
        let there = try tbmake("restore-there")
        XCTAssertEqual(there.status, 1, "\(there)")
        XCTAssertTrue(there.stderr.contains("tbmake: restore-there failed: unpack writes on local hosts only, and mn is an ssh host: "
                                            + "unpack on a local host, then put the tree onto mn\n"), there.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tree + "/restored"))
    }
}
