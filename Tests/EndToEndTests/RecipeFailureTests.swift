import Foundation
import XCTest

/// A failing recipe: exit 1, what failed and why on stderr, no trace, dependents not run;
/// `-k` still runs what does not depend on it.
final class RecipeFailureTests: XCTestCase {
    private let targetfile = """
        top: bad dep
            run touch ran-top
        bad:
            run sh -c 'echo boom; exit 3'
        dep: bad
            run touch ran-dep
        indep:
            run touch ran-indep

        """

    func testFailureReportsTargetStatusOutputAndLog() throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.tbmake("-j", "1", "bad")
        XCTAssertEqual(result.status, 1, "\(result)")
        let stderr = result.stderr
        XCTAssertTrue(stderr.contains("bad failed"), stderr)
        XCTAssertTrue(stderr.contains("status 3"), stderr)
        XCTAssertTrue(stderr.contains("boom"), stderr)
        XCTAssertTrue(stderr.contains("log: .tbmake/logs/bad.log"), stderr)
        let log = try project.read(".tbmake/logs/bad.log")
        XCTAssertTrue(log.contains("boom\n"), log)

        // No trace of the failed run: it runs again, as if it never ran.
        let again = try project.tbmake("--json", "bad")
        XCTAssertEqual(again.status, 1, "\(again)")
        XCTAssertEqual(again.decisions(), ["bad": "run: never ran"])
        XCTAssertEqual(again.started(), ["bad"])
        XCTAssertEqual(again.finished(), ["bad": "failed"])
        XCTAssertEqual(again.summary()?["failed"] as? Int, 1)
    }

    func testDependentsOfAFailureDoNotRun() throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.tbmake("--json", "-j", "1", "top")
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertEqual(result.started(), ["bad"])
        XCTAssertFalse(project.exists("ran-dep"))
        XCTAssertFalse(project.exists("ran-top"))
        // Without -k the run stops at the failure; every target left is still decided once,
        // and both depend directly on bad.
        XCTAssertEqual(result.decisions(), ["bad": "run: never ran", "dep": "skip: dependency bad failed",
                                            "top": "skip: dependency bad failed"])
        XCTAssertEqual(result.summary()?["ran"] as? Int, 0)
        XCTAssertEqual(result.summary()?["failed"] as? Int, 1)
        XCTAssertEqual(result.summary()?["blocked"] as? Int, 2)
    }

    func testKeepGoingRunsIndependentTargets() throws {
        let project = try Project(targetfile: targetfile)
        let result = try project.tbmake("--json", "-k", "-j", "1", "top", "indep")
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertEqual(Set(result.started()), ["bad", "indep"])
        XCTAssertTrue(project.exists("ran-indep"))
        XCTAssertFalse(project.exists("ran-dep"))
        XCTAssertFalse(project.exists("ran-top"))
        let decisions = result.decisions()
        XCTAssertEqual(decisions, ["bad": "run: never ran", "indep": "run: never ran",
                                   "dep": "skip: dependency bad failed", "top": "skip: dependency bad failed"])
        XCTAssertEqual(result.finished(), ["bad": "failed", "indep": "ok"])
        XCTAssertEqual(result.summary()?["ran"] as? Int, 1)
        XCTAssertEqual(result.summary()?["failed"] as? Int, 1)
        XCTAssertEqual(result.summary()?["blocked"] as? Int, 2)

        let human = try Project(targetfile: targetfile)
        let text = try human.tbmake("-k", "-j", "1", "top", "indep")
        XCTAssertEqual(text.status, 1, "\(text)")
        XCTAssertTrue(text.stdout.contains("tbmake: dep not run: dependency bad failed\n"), "\(text)")
        XCTAssertTrue(text.stdout.contains("tbmake: top not run: dependency bad failed\n"), "\(text)")
        XCTAssertTrue(human.exists("ran-indep"))
    }
}
