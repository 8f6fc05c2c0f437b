import Foundation
import XCTest

/// `host node* = ssh $(host)box …`: one declaration for a whole set of ssh hosts, the
/// address made from the name each target's host matched.
final class HostPatternSSHTests: XCTestCase {
    func testAPatternDeclaresEachMatchingHostOverSSH() throws {
        let hosts = try LoopbackHosts(["node1", "node2"])
        let project = try Project(targetfile: "")
        try project.write("Targetfile", """
            host node* = ssh $(host)box root=\(hosts.directory)/remote
            one:
                host node1
                run echo one > $(root)/one.txt
            two:
                host node2
                run echo two > $(root)/two.txt
            both: one two
            """)
        let result = try RunningTBMake(binary: "/usr/bin/env",
                                       arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                                   "--ssh-config", hosts.sshConfig, "--json", "both"]).wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(Set(result.started()), ["one", "two"])
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/remote/one.txt", encoding: .utf8), "one\n")
        XCTAssertEqual(try String(contentsOfFile: hosts.directory + "/remote/two.txt", encoding: .utf8), "two\n")

        // Each target reached its own server: with node2's stopped, only two fails, on node2's port.
        hosts["node2"].stop()
        let again = try RunningTBMake(binary: "/usr/bin/env",
                                      arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                                  "--ssh-config", hosts.sshConfig, "-k", "-B", "both"]).wait()
        XCTAssertEqual(again.status, 1, "\(again)")
        XCTAssertTrue(again.stderr.contains("tbmake: two failed: host node2 unavailable: cannot connect to 127.0.0.1:\(hosts["node2"].port): Connection refused"),
                      again.stderr)
        XCTAssertFalse(again.stderr.contains("one failed"), again.stderr)
    }
}
