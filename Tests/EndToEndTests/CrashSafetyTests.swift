import Foundation
import TBTestSupport
import XCTest

/// tbmake killed with SIGKILL in the middle of a recipe: what finished is remembered,
/// what was running is not, and no partial output takes the place of the real one.
final class CrashSafetyTests: XCTestCase {
    func testKilledRunKeepsFinishedTargetsAndForgetsTheInterruptedOne() throws {
        let project = try Project(targetfile: """
            a:
                out a.out
                run echo a > a.out
            b: a
                out b.out
                run echo $$$$ > b.pid; sleep 30; echo b > b.out

            """)
        let running = try project.start(["-j", "1", "b"])
        var recipeGroup: Int32?
        defer {
            if let recipeGroup { kill(-recipeGroup, SIGKILL) }
            kill(running.pid, SIGKILL)
        }
        let started = waitUntil("b's recipe runs") {
            guard project.exists(".tbmake/logs/b.log"), let text = try? project.read("b.pid"),
                  text.hasSuffix("\n"), let pid = Int32(text.dropLast()) else { return false }
            recipeGroup = pid
            return true
        }
        guard started, let group = recipeGroup else { return }
        XCTAssertFalse(TestProcess.live(inGroup: group).isEmpty, "the recipe (its own process group) runs")

        XCTAssertEqual(kill(running.pid, SIGKILL), 0)
        // The recipe runs in its own process group: tbmake's watchdog stops it once
        // tbmake is gone (wait for that first: Foundation's Process waits for
        // descriptors the recipe inherited).
        XCTAssertTrue(waitUntil("the recipe's group is gone") { TestProcess.live(inGroup: group).isEmpty })
        let killed = try running.wait()
        XCTAssertEqual(killed.status, 128 + SIGKILL, "\(killed)")

        let after = try project.tbmake("--json", "-n", "b")
        XCTAssertEqual(after.status, 0, "\(after)")
        XCTAssertEqual(after.decisions(), ["a": "skip: up to date", "b": "run: never ran"])
        XCTAssertEqual(try project.read("a.out"), "a\n")
        XCTAssertFalse(project.exists("b.out"), "b never finished: its output must not exist")

        // And the project recovers: the next run runs b only.
        try project.write("Targetfile", """
            a:
                out a.out
                run echo a > a.out
            b: a
                out b.out
                run echo $$$$ > b.pid; echo b > b.out

            """)
        let rerun = try project.tbmake("--json", "b")
        XCTAssertEqual(rerun.status, 0, "\(rerun)")
        XCTAssertEqual(rerun.started(), ["b"])
        XCTAssertEqual(try project.read("b.out"), "b\n")
    }
}
