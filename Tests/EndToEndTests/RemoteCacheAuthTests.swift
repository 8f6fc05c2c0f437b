import Foundation
import TBTestSupport
import XCTest

/// The remote cache over https with a CA generated here (`openssl req`) and basic auth
/// (an htpasswd written by `openssl passwd`): `--remote-cacert`, `user:pass@` in the
/// URL, `~/.netrc`.
final class RemoteCacheAuthTests: XCTestCase {
    private var directory: String!
    private var nginx: TestNginx!

    override func setUpWithError() throws {
        var template = Array("/tmp/tbmake-tls-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        try TestProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                 "-nodes", "-days", "2", "-subj", "/CN=tbmake test CA",
                                                 "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem"])
        try TestProcess.run("/usr/bin/openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                 "-nodes", "-subj", "/CN=127.0.0.1",
                                                 "-keyout", directory + "/server.key", "-out", directory + "/server.csr"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        try TestProcess.run("/usr/bin/openssl", ["x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem",
                                                 "-CAkey", directory + "/ca.key", "-CAcreateserial", "-days", "2",
                                                 "-extfile", directory + "/san.ext", "-out", directory + "/server.pem"])
        let hash = try TestProcess.run("/usr/bin/openssl", ["passwd", "-apr1", "s3cr3t"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try "alice:\(hash)\n".write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
        nginx = try TestNginx(serverConfig: "auth_basic \"cache\";\nauth_basic_user_file \(directory!)/htpasswd;",
                              certificate: (directory + "/server.pem", directory + "/server.key"))
    }

    override func tearDown() {
        nginx?.stop()
        nginx = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func project() throws -> Project {
        let project = try Project(targetfile: CacheRestoreTests.targetfile)
        try project.write("src.txt", "echo hello\n")
        return project
    }

    private func tbmake(_ project: Project, home: String = "/nonexistent", _ arguments: String...) throws -> RunResult {
        try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "-u", "TBMAKE_CACHE", "-u", "TBMAKE_REMOTE_CACHE", "TBMAKE_CONFIG=/nonexistent", "HOME=\(home)",
            try TBMakeBinary.path(), "-C", project.path] + arguments + ["announce"]).wait()
    }

    private func counter(_ project: Project) throws -> [String] {
        project.exists("counter") ? try project.read("counter").split(separator: "\n").map(String.init) : []
    }

    func testHTTPSWithACACertAndCredentialsInTheURLOrNetrc() throws {
        let withPassword = nginx.url.replacing("://", with: "://alice:s3cr3t@") + "/tbmake"
        let a = try project()
        let first = try tbmake(a, "--remote-cache", withPassword, "--remote-cacert", directory + "/ca.pem")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.stderr, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: nginx.root + "/tbmake/cas").count, 2)

        // The password from ~/.netrc instead of the URL.
        try "machine 127.0.0.1 login alice password s3cr3t\n".write(toFile: directory + "/.netrc", atomically: true, encoding: .utf8)
        let b = try project()
        let second = try tbmake(b, home: directory, "--remote-cache", nginx.url + "/tbmake", "--remote-cacert", directory + "/ca.pem")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.stderr, "")
        XCTAssertEqual(try counter(b), ["announce"], "restored over https with basic auth from ~/.netrc")
    }

    func testAnUntrustedCertificateOrNoCredentialsGiveOneWarning() throws {
        let a = try project()
        let untrusted = try tbmake(a, "--remote-cache", nginx.url.replacing("://", with: "://alice:s3cr3t@") + "/tbmake")
        XCTAssertEqual(untrusted.status, 0, "\(untrusted)")
        XCTAssertEqual(try counter(a), ["gen", "show", "announce"])
        let warnings = untrusted.stderr.split(separator: "\n").filter { $0.hasPrefix("tbmake: warning: ") }
        XCTAssertEqual(warnings.count, 1, "\(untrusted)")
        XCTAssertTrue(warnings.first?.contains("certificate") == true, "\(untrusted)")
        XCTAssertFalse(untrusted.stderr.contains("s3cr3t"))

        let b = try project()
        let anonymous = try tbmake(b, "--remote-cache", nginx.url + "/tbmake", "--remote-cacert", directory + "/ca.pem")
        XCTAssertEqual(anonymous.status, 0, "\(anonymous)")
        XCTAssertTrue(anonymous.stderr.contains("answered 401 (check the credentials)"), "\(anonymous)")
    }
}
