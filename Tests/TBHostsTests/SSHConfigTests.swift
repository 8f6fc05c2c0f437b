import TBHosts
import XCTest

final class SSHConfigTests: XCTestCase {
    private let text = """
        # global
        ConnectTimeout 7

        Host dev? !dev9
            HostName %h.lab.example
            User admin
            Port 2222
            IdentityFile ~/.ssh/lab_%h
        Host dev2
            User ignored-first-wins
            IdentityFile=/keys/extra
            StrictHostKeyChecking accept-new
            UserKnownHostsFile "/tmp/my hosts"
        Match host dev2
            User fromMatch
        Host *
            User everyone
            StrictHostKeyChecking no
        """

    func testFirstValueWinsAndIdentityFilesAccumulate() {
        let (destination, options) = SSHConfig(text: text).resolve(alias: "dev2")
        let home = String(cString: getenv("HOME"))
        XCTAssertEqual(destination, SSHDestination(user: "admin", address: "dev2.lab.example", port: 2222))
        XCTAssertEqual(options.identityFiles, [home + "/.ssh/lab_dev2", "/keys/extra"])
        XCTAssertEqual(options.strictHostKeyChecking, .acceptNew)
        XCTAssertEqual(options.knownHostsFile, "/tmp/my hosts")
        XCTAssertEqual(options.connectTimeout, 7)
    }

    func testNegatedPatternAndFallThroughToStar() {
        let (destination, options) = SSHConfig(text: text).resolve(alias: "dev9")
        XCTAssertEqual(destination, SSHDestination(user: "everyone", address: "dev9", port: 22))
        XCTAssertEqual(options.strictHostKeyChecking, .no)
        XCTAssertEqual(options.identityFiles, [])
    }

    func testExplicitUserAndPortWin() {
        let (destination, _) = SSHConfig(text: text).resolve(alias: "dev1", user: "root", port: 22)
        XCTAssertEqual(destination, SSHDestination(user: "root", address: "dev1.lab.example", port: 22))
    }

    func testQuestionMarkMatchesOneCharacter() {
        let (destination, _) = SSHConfig(text: text).resolve(alias: "dev10")
        XCTAssertEqual(destination.address, "dev10")
    }

    func testMissingFileIsEmpty() throws {
        let config = try SSHConfig(contentsOf: "/nonexistent/ssh_config")
        let (destination, options) = config.resolve(alias: "h", user: "u")
        XCTAssertEqual(destination, SSHDestination(user: "u", address: "h", port: 22))
        XCTAssertEqual(options, SSHOptions())
    }

    func testAnUnreadableFileIsAnErrorNamingIt() {
        // A directory stands for a file that cannot be read (root reads any file).
        XCTAssertThrowsError(try SSHConfig(contentsOf: "/tmp")) { error in
            XCTAssertEqual("\(error)", "ssh config /tmp: Is a directory")
        }
    }
}
