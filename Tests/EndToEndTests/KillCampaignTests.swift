import Foundation
import XCTest

/// The quick run of `scripts/kill-campaign` (issue 10): tbmake killed with SIGKILL at 10
/// random moments of build, incremental, restore and gc runs of a 50-target project;
/// after each, the next run must give the clean reference's outputs, a cache that
/// verifies, and a second run that does nothing.
final class KillCampaignTests: XCTestCase {
    func testTenKillsAreAllSurvived() throws {
        let script = TBMakeBinary.repositoryRoot + "/scripts/kill-campaign"
        let result = try RunningTBMake(binary: "/usr/bin/python3",
                                       arguments: [script, try TBMakeBinary.path(), "--kills", "10", "--seed", "1"]).wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stdout.split(separator: "\n").last.map { String($0.prefix(25)) }, "kills survived: 10 of 10 ",
                       "\(result)")
        XCTAssertEqual(result.stderr, "")
    }
}
