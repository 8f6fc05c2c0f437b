import Foundation
import TBTestSupport
import TBEngine
import TBHosts
import XCTest

/// The read-only remote file API of `SSHExecutor` (what `pack` on an ssh host reads a tree
/// through), against a real sshd on loopback: the remote files are local ones here, so
/// every answer is checked against `lstat`/`readlink`/the bytes.
final class SSHRemoteFilesTests: XCTestCase {
    private var sshd: TestSSHD!
    private var project: TemporaryDirectory!
    private var executor: SSHExecutor!
    private var tree: String { project.path + "/tree" }

    override func setUpWithError() throws {
        sshd = try TestSSHD()
        project = try TemporaryDirectory()
        try sshd.knownHostsLine().write(toFile: project.path + "/known_hosts", atomically: true, encoding: .utf8)
        executor = SSHExecutor(hostName: "mn", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
                               options: SSHOptions(identityFiles: [sshd.userKey], knownHostsFile: project.path + "/known_hosts",
                                                   connectTimeout: 5, useAgent: false),
                               root: project.path, projectDirectory: project.path)
        try project.write("tree/etc/xcat/cert/server-key.pem", "secret\n", mode: 0o600)
        try project.write("tree/install/big.rpm", String(repeating: "0123456789abcdef", count: 200_000))
        XCTAssertEqual(symlink("cert/server-key.pem", tree + "/etc/xcat/key.pem"), 0)
        XCTAssertEqual(mkdir(tree + "/install/empty", 0o750), 0)
    }

    override func tearDown() {
        executor = nil
        sshd = nil
        project = nil
    }

    private func localStatus(_ path: String) -> RemoteFileStatus {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return RemoteFileStatus(mode: st.st_mode, uid: st.st_uid, gid: st.st_gid, size: UInt64(st.st_size))
    }

    func testStatusIsLstatAndNilForNothing() throws {
        for path in ["etc/xcat/cert/server-key.pem", "etc/xcat/key.pem", "install", "install/empty"] {
            XCTAssertEqual(try executor.remoteStatus(tree + "/" + path), localStatus(tree + "/" + path), path)
        }
        XCTAssertEqual(try executor.remoteStatus("tree/install/big.rpm"), localStatus(tree + "/install/big.rpm"),
                       "a relative path is resolved against the root")
        XCTAssertNil(try executor.remoteStatus(tree + "/missing"))
    }

    func testDirectoryListsEntriesWithTheirStatus() throws {
        let entries = try executor.remoteDirectory(tree + "/etc/xcat")
        XCTAssertEqual(entries.map(\.name).sorted(), ["cert", "key.pem"])
        for (name, status) in entries {
            XCTAssertEqual(status, localStatus(tree + "/etc/xcat/" + name), name)
        }
        XCTAssertEqual(try executor.remoteDirectory(tree + "/install/empty").count, 0)
        XCTAssertEqual(try executor.remoteSymlinkTarget(tree + "/etc/xcat/key.pem"), "cert/server-key.pem")
    }

    func testFileIsReadWholeInOneMiBPieces() throws {
        let reader = try executor.openRemoteFile(tree + "/install/big.rpm")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var bytes: [UInt8] = []
        while true {
            let n = try reader.read(into: buffer)
            if n == 0 { break }
            bytes += UnsafeRawBufferPointer(rebasing: buffer[..<n])
        }
        XCTAssertEqual(bytes, Array(String(repeating: "0123456789abcdef", count: 200_000).utf8))
        XCTAssertEqual(try reader.read(into: buffer), 0)
    }

    func testFailuresNameHostAndPath() throws {
        XCTAssertThrowsError(try executor.openRemoteFile(tree + "/missing")) { error in
            XCTAssertEqual(error as? RemoteFileError, .failed(operation: "open", host: "mn", path: tree + "/missing", reason: "No such file or directory"))
            XCTAssertEqual("\(error)", "cannot open mn:\(tree)/missing: No such file or directory")
        }
        XCTAssertThrowsError(try executor.remoteDirectory(tree + "/install/big.rpm")) { error in
            guard case .failed("list", "mn", let path, _)? = error as? RemoteFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, tree + "/install/big.rpm")
        }
        sshd.stop()
        executor.disconnect()
        XCTAssertThrowsError(try executor.remoteStatus(tree)) { error in
            guard case .unavailable("mn", let reason)? = error as? RemoteFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(reason, "cannot connect to 127.0.0.1:\(self.sshd.port): Connection refused")
        }
    }
}
