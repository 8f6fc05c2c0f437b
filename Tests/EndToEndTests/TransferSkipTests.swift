import Foundation
import XCTest

/// `put` over ssh, through the tbmake binary: a target that runs again because of a
/// variable copies its unchanged file only the first time; the remote file's digest is
/// remembered in the build log between runs.
final class TransferSkipTests: XCTestCase {
    func testAnUnchangedPutIsNotCopiedOnTheNextRun() throws {
        let hosts = try LoopbackHosts(["dev2"])
        let remote = hosts.directory + "/remote"
        let project = try Project(targetfile: """
            host dev2 = ssh dev2box root=\(remote)
            image ?= 1
            install: disk.img
                host dev2
                put disk.img -> disk.img
                run echo $(image) > installed
            """)
        // Large enough for its remote digest to be remembered rather than recomputed.
        try project.write("disk.img", String(repeating: "0123456789abcdef", count: 600_000))
        func tbmake(_ arguments: String...) throws -> RunResult {
            try RunningTBMake(binary: "/usr/bin/env",
                              arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                          "--ssh-config", hosts.sshConfig] + arguments).wait()
        }
        func logOfInstall() -> String {
            (try? String(contentsOfFile: project.path + "/.tbmake/logs/install.log", encoding: .utf8)) ?? "(no log)"
        }
        let first = try tbmake("install")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertFalse(logOfInstall().contains("not copied"), logOfInstall())
        let copiedInode = FileManager.default.inode(remote + "/disk.img")

        let second = try tbmake("install", "image=2")
        XCTAssertEqual(second.status, 0, "\(second)")
        let digest = try project.sha256(file: "disk.img")
        XCTAssertTrue(logOfInstall().contains("tbmake: dev2:disk.img already has the content of disk.img (sha256 \(digest.prefix(12))): not copied\n"),
                      logOfInstall())
        XCTAssertEqual(FileManager.default.inode(remote + "/disk.img"), copiedInode)
        XCTAssertEqual(try String(contentsOfFile: remote + "/installed", encoding: .utf8), "2\n")
        let log = try String(contentsOfFile: project.path + "/.tbmake/log", encoding: .utf8)
        XCTAssertTrue(log.contains("D\tssh://root@127.0.0.1:\(hosts["dev2"].port)\(remote)/disk.img\t9600000\t"), log)

        // Changed locally: copied again.
        let changed = String(repeating: "fedcba9876543210", count: 600_000)
        try project.write("disk.img", changed)
        let third = try tbmake("install", "image=2")
        XCTAssertEqual(third.status, 0, "\(third)")
        XCTAssertFalse(logOfInstall().contains("not copied"), logOfInstall())
        XCTAssertEqual(try String(contentsOfFile: remote + "/disk.img", encoding: .utf8), changed)
    }
}

private extension FileManager {
    func inode(_ path: String) -> UInt64? {
        (try? attributesOfItem(atPath: path))?[.systemFileNumber] as? UInt64
    }
}
