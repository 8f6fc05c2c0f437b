import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Failure": no trace, dependents do not run, independent targets continue
/// only with -k, nothing half-done becomes visible.
final class FailureTests: XCTestCase {
    /// `bad` fails (exit 3) after writing its temporary output; `after` depends on it;
    /// `alone` is independent.
    private func project() -> Testbed {
        Testbed("""
            all: after alone
            bad:
                out bad.txt
                run write $(out) half ; fail 3
            after: bad
                out after.txt
                run write $(out) after
            alone:
                out alone.txt
                run write $(out) alone
            """)
    }

    func testFailedRecipeStopsTheRunWithoutKeepGoing() throws {
        let bed = project()
        let (summary, observer) = try bed.build("all")
        // Every target of the closure is decided once; those the stop left are told why.
        XCTAssertEqual(observer.decidedTargets, ["bad", "alone", "after", "all"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "bad": Decision(.run, .neverRan), "alone": Decision(.run, .neverRan),
            "after": Decision(.skip, .dependencyFailed(name: "bad")), "all": Decision(.skip, .runStopped),
        ])
        XCTAssertEqual(observer.startedTargets, ["bad"])
        XCTAssertEqual(observer.statuses, ["bad": .failed])
        XCTAssertEqual(observer.result("bad")?.failure, "command exited with status 3: write .bad.txt.tbmake-new half ; fail 3")
        XCTAssertEqual(summary, .counts(failed: 1, blocked: 3), "after, alone and all never ran")
        XCTAssertEqual(bed.executor().commands, ["write .bad.txt.tbmake-new half ; fail 3"])
        XCTAssertNil(bed.store.trace(for: "bad"))
        XCTAssertEqual(bed.store.recordedTargets, [])
        XCTAssertEqual(bed.fs.allPaths, [], "neither bad.txt nor its temporary file remain")
    }

    func testKeepGoingRunsIndependentTargetsAndBlocksDependents() throws {
        let bed = project()
        let (summary, observer) = try bed.build("all", options: .with { $0.keepGoing = true })
        XCTAssertEqual(observer.decisionsByTarget, [
            "bad": Decision(.run, .neverRan),
            "alone": Decision(.run, .neverRan),
            "after": Decision(.skip, .dependencyFailed(name: "bad")),
            "all": Decision(.skip, .dependencyNotRun(name: "after")),
        ])
        XCTAssertEqual(observer.decision("after")?.reason.description, "dependency bad failed")
        XCTAssertEqual(observer.statuses, ["bad": .failed, "alone": .ok])
        XCTAssertEqual(summary, .counts(ran: 1, failed: 1, blocked: 2))
        XCTAssertEqual(bed.executor().commands, ["write .bad.txt.tbmake-new half ; fail 3", "write .alone.txt.tbmake-new alone"])
        XCTAssertEqual(bed.store.recordedTargets, ["alone"])
        XCTAssertEqual(bed.fs.snapshot, ["alone.txt": "alone"])
    }

    func testFailureKeepsThePreviousOutputAndTraceAndRunsAgainNextTime() throws {
        let bed = Testbed("""
            a: in.txt
                out a.txt
                run write $(out) $(text)
            """, files: ["in.txt": "1"])
        try bed.build("a", overrides: ["text": "good"])
        let good = bed.store.trace(for: "a")
        bed.fs.write("in.txt", "2")
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "$(text)", with: "$(text) ; fail")
        for _ in 0..<2 {
            let (summary, observer) = try bed.build("a", overrides: ["text": "good"])
            XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .recipeChanged)])
            XCTAssertEqual(summary, .counts(failed: 1))
            XCTAssertEqual(bed.fs.snapshot, ["in.txt": "2", "a.txt": "good"], "the old output stays, no temporary file")
            XCTAssertEqual(bed.store.trace(for: "a"), good)
        }
    }

    func testRecipeThatDoesNotWriteItsOutputFails() throws {
        let bed = Testbed("""
            a:
                out a.txt
                run true
            b: a
                run true b
            """)
        let (summary, observer) = try bed.build("b", options: .with { $0.keepGoing = true })
        XCTAssertEqual(observer.result("a")?.status, .failed)
        XCTAssertEqual(observer.result("a")?.failure, "recipe succeeded but did not write a.txt")
        XCTAssertEqual(observer.decision("b"), Decision(.skip, .dependencyFailed(name: "a")))
        XCTAssertEqual(summary, .counts(failed: 1, blocked: 1))
        XCTAssertNil(bed.store.trace(for: "a"))
    }

    func testRecipeMayWriteItsFinalOutputNameItself() throws {
        let bed = Testbed("""
            a:
                out a.txt
                run write a.txt direct
            """)
        let (summary, _) = try bed.build("a")
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.store.trace(for: "a")?.outputs.map(\.path), ["a.txt"])
        XCTAssertEqual(bed.store.trace(for: "a")?.outputs.map(\.digest), [SHA256.digest("direct")])
    }

    func testFailureOutputTailIsReported() throws {
        let bed = Testbed("""
            a:
                run say one ; say two ; fail 2
            """)
        let (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.result("a")?.failure, "command exited with status 2: say one ; say two ; fail 2")
        XCTAssertEqual(observer.result("a")?.tail, ["$ say one ; say two ; fail 2", "one", "two",
                                                    "tbmake: command exited with status 2: say one ; say two ; fail 2"])
    }

    func testSignalledCommandIsReportedAsKilled() throws {
        let bed = Testbed("""
            a:
                run fail 137
            """)
        let (_, observer) = try bed.build("a")
        XCTAssertEqual(observer.result("a")?.failure, "command killed by signal 9: fail 137")
    }

    func testFailedStepStopsTheRecipe() throws {
        let bed = Testbed("""
            a:
                run fail
                run true never
            """)
        try bed.build("a")
        XCTAssertEqual(bed.executor().commands, ["fail"])
    }

    func testUnavailableHostFailsItsTargetsOnly() throws {
        let bed = Testbed("""
            host far = local
            all: remote here
            remote:
                host far
                run true remote
            here:
                run true here
            """)
        bed.executor("far").prepareError = ExecutorError.unavailable(host: "far", reason: "no route")
        let (summary, observer) = try bed.build("all", options: .with { $0.keepGoing = true })
        XCTAssertEqual(observer.result("remote")?.failure, "host far unavailable: no route")
        XCTAssertEqual(observer.decisionsByTarget["remote"], Decision(.run, .cannotDecide))
        XCTAssertEqual(observer.statuses, ["remote": .failed, "here": .ok])
        XCTAssertEqual(summary, .counts(ran: 1, failed: 1, blocked: 1))
        XCTAssertEqual(bed.executor("far").commands, [])
    }

    func testTraceStoreFailureStopsTheRun() throws {
        let bed = Testbed("""
            a:
                run true
            """)
        bed.store.recordError = .io(operation: "write", path: ".tbmake/log", errno: 28)
        XCTAssertThrowsError(try bed.build("a")) { error in
            guard case EngineError.store(let store) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(store, .io(operation: "write", path: ".tbmake/log", errno: 28))
        }
    }
}
