import TBEngine
import TBStore
import TBTargetfile
import TBTestSupport
import XCTest

/// `steps A B C`: A, then B once A is settled, then C — whatever `-j` — stopping at the
/// first failure unless `-k`; plain prerequisites stay unordered.
final class SequenceTests: XCTestCase {
    private let eight = BuildOptions.with { $0.jobs = 8 }

    private func abc(_ extra: String = "") -> Testbed {
        Testbed("""
            s:
                steps a b c
            a:
                run step a
            b:
                run step b
            c:
                run step c
            \(extra)
            """)
    }

    func testStepsRunInTheWrittenOrderEvenWithJobs() throws {
        let bed = abc()
        let log = EventLogObserver()
        let (summary, observer) = try bed.buildOnAnyHost(["s"], options: eight, also: log)
        XCTAssertEqual(log.runs, ["started a", "finished a ok", "started b", "finished b ok", "started c", "finished c ok"],
                       "each step starts only once the one before it finished")
        XCTAssertEqual(bed.executor().commands, ["step a", "step b", "step c"])
        XCTAssertEqual(observer.decidedTargets, ["a", "b", "c", "s"])
        XCTAssertEqual(observer.decision("s"), Decision(.skip, .aggregate))
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
    }

    func testWrittenOrderIsNotAlphabetical() throws {
        let bed = Testbed("s:\n    steps c a b\na:\n    run step a\nb:\n    run step b\nc:\n    run step c\n")
        let log = EventLogObserver()
        try bed.buildOnAnyHost(["s"], options: eight, also: log)
        XCTAssertEqual(log.runs, ["started c", "finished c ok", "started a", "finished a ok", "started b", "finished b ok"])
    }

    func testPlainPrerequisitesRunTogether() throws {
        // The aggregate `all: a b c` is no sequence: its three recipes meet inside the barrier.
        let bed = Testbed("all: a b c\na:\n    run step a\nb:\n    run step b\nc:\n    run step c\n")
        let barrier = Barrier(count: 3)
        bed.script = { _ in barrier.arrive() ? 0 : 99 }
        let (summary, _) = try bed.build("all", options: eight)
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 3)
    }

    func testFailingStepStopsTheSequenceWithoutKeepGoing() throws {
        let bed = abc()
        bed.script = { context in context.command == "step b" ? 2 : 0 }
        let log = EventLogObserver()
        let (summary, observer) = try bed.buildOnAnyHost(["s"], options: eight, also: log)
        XCTAssertEqual(log.runs, ["started a", "finished a ok", "started b", "finished b failed"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .neverRan), "b": Decision(.run, .neverRan),
            "c": Decision(.skip, .runStopped), "s": Decision(.skip, .dependencyFailed(name: "b")),
        ])
        XCTAssertEqual(bed.executor().commands, ["step a", "step b"])
        XCTAssertEqual(summary, .counts(ran: 1, failed: 1, blocked: 2))
    }

    func testKeepGoingRunsTheNextStepsAfterAFailure() throws {
        let bed = abc()
        bed.script = { context in context.command == "step b" ? 2 : 0 }
        let log = EventLogObserver()
        let (summary, observer) = try bed.buildOnAnyHost(["s"], options: .with { $0.jobs = 8; $0.keepGoing = true }, also: log)
        XCTAssertEqual(log.runs, ["started a", "finished a ok", "started b", "finished b failed", "started c", "finished c ok"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .neverRan), "b": Decision(.run, .neverRan),
            "c": Decision(.run, .neverRan), "s": Decision(.skip, .dependencyFailed(name: "b")),
        ])
        XCTAssertEqual(summary, .counts(ran: 2, failed: 1, blocked: 1))
    }

    func testRerunAfterAFailureRunsTheFailedStepAndWhatFollows() throws {
        let bed = abc()
        bed.script = { context in context.command == "step b" ? 2 : 0 }
        try bed.build("s", options: eight)
        bed.script = RecordingExecutor.miniShell
        let (summary, observer) = try bed.build("s", options: eight)
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.skip, .upToDate), "b": Decision(.run, .neverRan),
            "c": Decision(.run, .neverRan), "s": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(bed.executor().commands, ["step b", "step c"])
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 2))
    }

    func testAStepsKeyDoesNotIncludeTheStepsBeforeIt() throws {
        let bed = abc()
        try bed.build("s")
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "run step a", with: "run step a again")
        let (summary, observer) = try bed.build("s", options: eight)
        XCTAssertEqual(observer.decisionsByTarget, [
            "a": Decision(.run, .recipeChanged), "b": Decision(.skip, .upToDate),
            "c": Decision(.skip, .upToDate), "s": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(bed.executor().commands, ["step a again"])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 3))
        XCTAssertEqual(bed.store.trace(for: "b")?.components.map(\.name), ["recipe"])
    }

    func testStepContradictingADependencyIsAnError() {
        let bed = Testbed("s:\n    steps a b\na: b\n    run step a\nb:\n    run step b\n")
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:2:13: steps of 's': 'a' needs 'b', so 'b' cannot come after it")
        }
    }

    func testStepContradictingAnIndirectDependencyIsAnError() {
        let bed = Testbed("s:\n    steps a b\na: m\n    run step a\nm: b\n    run step m\nb:\n    run step b\n")
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:2:13: steps of 's': 'a' needs 'b', so 'b' cannot come after it")
        }
    }

    func testSameStepTwiceInARowIsAnError() {
        let bed = Testbed("s:\n    steps a a\na:\n    run step a\n")
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:2:13: steps of 's': 'a' needs 'a', so 'a' cannot come after it")
        }
    }

    func testStepThatIsNotATarget() {
        let bed = Testbed("s:\n    steps a missing\na:\n    run step a\n")
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:2:13: step 'missing' of 's' is not a target")
        }
    }

    func testSequenceThatIsItsOwnStep() {
        let bed = Testbed("s:\n    steps a s\na:\n    run step a\n")
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:1:1: dependency cycle: s -> s")
        }
    }

    func testStepAfterTheStepThatNeedsItLaterInTheSequence() {
        // c must come before a (a needs c), a before b, and b before c: no order exists.
        let bed = abc().with(targetfile: """
            s:
                steps a b c
            a: c
                run step a
            b:
                run step b
            c:
                run step c
            """)
        // Which earlier step the message names is left open; where and what is not.
        XCTAssertThrowsError(try bed.build("s", options: eight)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("Targetfile:2:15: steps of 's': '"), text)
            XCTAssertTrue(text.hasSuffix("' must wait for 'c', so 'c' cannot come after it"), text)  // b waits for a, which needs c
        }
        XCTAssertEqual(bed.executor().commands, [], "nothing ran")
    }

    func testTwoSequencesInOppositeOrders() {
        let bed = Testbed("""
            all: s1 s2
            s1:
                steps a b
            s2:
                steps b a
            a:
                run step a
            b:
                run step b
            """)
        XCTAssertThrowsError(try bed.build("all", options: eight)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("Targetfile:5:13: steps of 's2': "), text)
            XCTAssertTrue(text.hasSuffix("so 'a' cannot come after it"), text)
        }
        XCTAssertEqual(bed.executor().commands, [], "nothing ran")
    }

    func testSequenceOfSequences() throws {
        let bed = Testbed("""
            all:
                steps s1 s2
            s1:
                steps a b
            s2:
                steps c d
            a:
                run step a
            b:
                run step b
            c:
                run step c
            d:
                run step d
            """)
        let log = EventLogObserver()
        let (summary, observer) = try bed.buildOnAnyHost(["all"], options: eight, also: log)
        XCTAssertEqual(log.runs, ["started a", "finished a ok", "started b", "finished b ok",
                                  "started c", "finished c ok", "started d", "finished d ok"],
                       "the steps of s2 wait for the whole of s1")
        XCTAssertEqual(observer.decidedTargets, ["a", "b", "s1", "c", "d", "s2", "all"])
        XCTAssertEqual(summary, .counts(ran: 4, skipped: 3))
    }

    func testStepThatIsAFanOutWaitsForThePreviousStep() throws {
        let bed = Testbed("""
            s:
                steps reset load check
            reset:
                run step reset
            load:
                foreach node in 1-3
                run step load $(node)
            check:
                run step check
            """)
        let log = EventLogObserver()
        let (summary, _) = try bed.buildOnAnyHost(["s"], options: eight, also: log)
        let runs = log.runs
        XCTAssertEqual(Array(runs.prefix(2)), ["started reset", "finished reset ok"], "no instance starts before reset ended")
        XCTAssertEqual(Set(runs[2..<8]), ["started load@fit01", "started load@fit02", "started load@fit03",
                                          "finished load@fit01 ok", "finished load@fit02 ok", "finished load@fit03 ok"])
        XCTAssertEqual(Array(runs.suffix(2)), ["started check", "finished check ok"])
        XCTAssertEqual(summary, .counts(ran: 5, skipped: 2))
    }

    func testSequencesOwnPrerequisitesStillRun() throws {
        let bed = Testbed("""
            s: p
                steps a b
            p:
                run step p
            a:
                run step a
            b:
                run step b
            """)
        let log = EventLogObserver()
        let (summary, observer) = try bed.buildOnAnyHost(["s"], options: .with { $0.jobs = 1 }, also: log)
        XCTAssertEqual(Set(bed.executor().commands), ["step p", "step a", "step b"])
        XCTAssertEqual(observer.decidedTargets.last, "s", "the sequence is settled after its prerequisites and its steps")
        XCTAssertEqual(observer.decision("s"), Decision(.skip, .aggregate))
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        let a = try XCTUnwrap(log.runs.firstIndex(of: "finished a ok"))
        let b = try XCTUnwrap(log.runs.firstIndex(of: "started b"))
        XCTAssertLessThan(a, b)
    }

    func testFailedPrerequisiteOfASequence() throws {
        let bed = Testbed("s: p\n    steps a\np:\n    run fail\na:\n    run step a\n")
        let (summary, observer) = try bed.build("s", options: .with { $0.keepGoing = true })
        XCTAssertEqual(observer.decision("s"), Decision(.skip, .dependencyFailed(name: "p")))
        XCTAssertEqual(observer.statuses, ["p": .failed, "a": .ok])
        XCTAssertEqual(summary, .counts(ran: 1, failed: 1, blocked: 1))
    }

    func testSequencePrerequisiteThatIsAFile() {
        let bed = Testbed("s: notes.txt\n    steps a\na:\n    run step a\n", files: ["notes.txt": "x"])
        XCTAssertThrowsError(try bed.build("s")) { error in
            XCTAssertEqual("\(error)", "Targetfile:1:4: prerequisite 'notes.txt' of 's' is not a target (a foreach or steps target takes only targets)")
        }
    }

    func testDryRunListsTheWholeSequence() throws {
        let bed = abc()
        let (summary, observer) = try bed.build("s", options: .with { $0.dryRun = true })
        XCTAssertEqual(observer.decidedTargets, ["a", "b", "c", "s"])
        XCTAssertEqual(observer.decisionsByTarget["c"], Decision(.run, .neverRan))
        XCTAssertEqual(summary, .counts(skipped: 1, wouldRun: 3))
        XCTAssertEqual(bed.executor().commands, [])
    }
}

private extension Testbed {
    func with(targetfile text: String) -> Testbed {
        targetfile = text
        return self
    }
}
