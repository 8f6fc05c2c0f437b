import Foundation
import TBTestSupport
import XCTest

/// `host dev2 = ssh … probe=COMMAND`: the probe's output is part of the host's identity,
/// so a host that was reset (a new boot id, a reinstalled machine-id) runs its targets
/// again, though its host key is the same.
final class HostProbeTests: XCTestCase {
    func testAChangedProbeOutputRerunsTheTargetsOnThatHost() throws {
        let hosts = try LoopbackHosts(["dev2"])
        let remote = hosts.directory + "/remote"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        try "boot-1\n".write(toFile: remote + "/boot_id", atomically: true, encoding: .utf8)
        let project = try Project(targetfile: """
            host dev2 = ssh dev2box root=\(remote) probe=cat \(remote)/boot_id
            work:
                host dev2
                run echo hi > $(root)/out
            """)
        func tbmake() throws -> RunResult {
            try RunningTBMake(binary: "/usr/bin/env",
                              arguments: ["-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path,
                                          "--ssh-config", hosts.sshConfig, "--json", "work"]).wait()
        }
        XCTAssertEqual(try tbmake().decisions(), ["work": "run: never ran"])
        XCTAssertEqual(try tbmake().decisions(), ["work": "skip: up to date"])
        try "boot-2\n".write(toFile: remote + "/boot_id", atomically: true, encoding: .utf8)
        XCTAssertEqual(try tbmake().decisions(), ["work": "run: host dev2 changed"])

        try FileManager.default.removeItem(atPath: remote + "/boot_id")
        let failed = try tbmake()
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertTrue((failed.stdout + failed.stderr).contains("host dev2 unavailable: the probe command failed with status 1: cat: \(remote)/boot_id: No such file or directory"),
                      "\(failed)")
    }
}
