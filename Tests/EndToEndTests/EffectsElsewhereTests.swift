import Foundation
import XCTest

/// DESIGN §1: a target with effects elsewhere (here, on a local sandbox host) is never
/// restored from the cache: its output is only a receipt of what it did.
final class EffectsElsewhereTests: XCTestCase {
    func testARevertedInstallIsAppliedAgainNotRestored() throws {
        let project = try Project(targetfile: """
            host box = local

            install: payload.txt
                host box
                out  receipt.txt
                run  cp payload.txt $(root)/installed.txt
                run  cp payload.txt $(out)

            """)
        var decisions: [String] = []
        for version in ["v1\n", "v2\n", "v1\n"] {
            try project.write("payload.txt", version)
            let run = try project.tbmake("--json", "install")
            XCTAssertEqual(run.status, 0, "\(run)")
            decisions.append(run.decisions()["install"] ?? "")
            XCTAssertEqual(try project.read(".tbmake/hosts/box/installed.txt"), version, "the host holds what was asked")
        }
        XCTAssertEqual(decisions, ["run: never ran", "run: input payload.txt changed", "run: input payload.txt changed"])
        XCTAssertEqual(try project.read("receipt.txt"), "v1\n")
    }
}
