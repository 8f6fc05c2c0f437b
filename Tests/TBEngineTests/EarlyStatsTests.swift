import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// Stats taken when a run begins (the command line prefetches them on another thread)
/// describe the files only until a recipe starts: the engine must say so, once, before
/// the first recipe, and never in a run that starts none.
final class EarlyStatsTests: XCTestCase {
    private func project() -> Testbed {
        Testbed("""
            a: in.txt
                out a.txt
                run write $(out) a
            b: a
                out b.txt
                run write $(out) b
            """, files: ["in.txt": "1"])
    }

    func testForgottenOnceBeforeTheFirstRecipe() throws {
        let bed = project()
        let seen = FirstValue()
        let script = bed.script
        bed.script = { context in
            seen.keepFirst(context.fileSystem.forgetEarlyStatsCount)
            return try script(context)
        }
        let (summary, _) = try bed.build("b", options: .with { $0.jobs = 1 })
        XCTAssertEqual(summary, .counts(ran: 2))
        XCTAssertEqual(seen.value, 1, "forgotten before the first recipe ran")
        XCTAssertEqual(bed.fs.forgetEarlyStatsCount, 1, "and only once per run")
    }

    func testNotForgottenWhenNothingRuns() throws {
        let bed = project()
        try bed.build("b")
        let before = bed.fs.forgetEarlyStatsCount
        let (summary, _) = try bed.build("b")
        XCTAssertEqual(summary, .counts(skipped: 2))
        XCTAssertEqual(bed.fs.forgetEarlyStatsCount, before)
    }

    func testNotForgottenInADryRun() throws {
        let bed = project()
        let (summary, _) = try bed.build("b", options: .with { $0.dryRun = true })
        XCTAssertEqual(summary, .counts(wouldRun: 2))
        XCTAssertEqual(bed.fs.forgetEarlyStatsCount, 0)
    }
}

/// The first value a recipe saw, kept across worker threads.
private final class FirstValue: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Int?
    var value: Int? { lock.lock(); defer { lock.unlock() }; return first }
    func keepFirst(_ v: Int) { lock.lock(); if first == nil { first = v }; lock.unlock() }
}
