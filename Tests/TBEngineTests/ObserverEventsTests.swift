import TBEngine
import TBTestSupport
import XCTest

/// The observer interface: build start and end, identities, phases, output chunks, failure
/// kinds — every call on the scheduler's thread, in the order things happened.
final class ObserverEventsTests: XCTestCase {
    /// Writes each report as one line.
    private final class PhaseLog: BuildObserver {
        var lines: [String] = []
        var plan: BuildPlan?
        var output: [String: [UInt8]] = [:]
        var threads: Set<String> = []
        var results: [String: TargetResult] = [:]

        private func note() { threads.insert(Thread.isMainThread ? "main" : "other") }
        func buildStarted(_ plan: BuildPlan) { note(); self.plan = plan; lines.append("build started") }
        func decided(_ target: String, _ decision: Decision) { note(); lines.append("decided \(target) \(decision.action.rawValue)") }
        func started(_ target: String, started: Int, total: Int) { note(); lines.append("started \(target) \(started)/\(total)") }
        func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {
            note(); lines.append("begin \(target) \(phase.name)")
        }
        func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {
            note(); lines.append("end \(target) \(phase.name) \(outcome.status.rawValue)")
        }
        func output(_ target: String, _ chunk: [UInt8]) { note(); output[target, default: []] += chunk }
        func finished(_ target: String, _ result: TargetResult) {
            note(); results[target] = result; lines.append("finished \(target) \(result.status.rawValue)")
        }
        func waiting(_ target: String, _ message: String) { note() }
        func warning(_ message: String) { note() }
        func buildFinished(_ summary: BuildSummary) { note(); lines.append("build finished ran \(summary.ran) failed \(summary.failed)") }
    }

    func testARunReportsPhasesOutputAndIdentitiesInOrderOnTheSchedulerThread() throws {
        let bed = Testbed("""
            host fit* = local
            load:
                foreach node in fit01 fit02
                host $(node)
                parallel 1
                run say loading $(node)
                run say 100%
            """)
        let log = PhaseLog()
        let done = expectation(description: "run")
        // Run off the main thread: every report must come on the thread that called run().
        Thread.detachNewThread {
            _ = try? bed.buildOnAnyHost(["load"], also: log)
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(log.threads, ["other"])
        XCTAssertEqual(log.plan?.targets, [
            TargetIdentity(name: "load@fit01", base: "load", node: "fit01", host: "fit01", hasRecipe: true),
            TargetIdentity(name: "load@fit02", base: "load", node: "fit02", host: "fit02", hasRecipe: true),
            TargetIdentity(name: "load", base: "load", node: nil, host: "local", hasRecipe: false,
                           dependencies: ["load@fit01", "load@fit02"]),
        ])
        XCTAssertEqual(log.plan?.totalWithRecipe, 2)
        // Identify jobs of the two hosts race; each target's own reports come in order.
        XCTAssertEqual(log.lines.first, "build started")
        XCTAssertEqual(log.lines.last, "build finished ran 2 failed 0")
        for node in ["fit01", "fit02"] {
            let own = log.lines.filter { $0.contains("load@\(node) ") || $0.hasSuffix("load@\(node)") }
            XCTAssertEqual(own.map { $0.hasPrefix("started ") ? String($0.dropLast(4)) : $0 }, [
                "begin load@\(node) connecting", "end load@\(node) connecting ok", "decided load@\(node) run",
                "started load@\(node)",
                "begin load@\(node) step 1/2", "end load@\(node) step 1/2 ok",
                "begin load@\(node) step 2/2", "end load@\(node) step 2/2 ok",
                "finished load@\(node) ok",
            ])
        }
        // parallel 1: the second instance starts after the first finished.
        let firstEnd = try XCTUnwrap(log.lines.firstIndex { $0.hasPrefix("finished ") })
        let secondStart = try XCTUnwrap(log.lines.firstIndex { $0.hasSuffix(" 2/2") && $0.hasPrefix("started ") })
        XCTAssertLessThan(firstEnd, secondStart)
        XCTAssertEqual(log.lines[log.lines.count - 2], "decided load skip")
        XCTAssertEqual(String(decoding: log.output["load@fit01"] ?? [], as: UTF8.self),
                       "$ say loading fit01\nloading fit01\n$ say 100%\n100%\n")
    }

    func testFailuresCarryTheirKindAndStep() throws {
        let bed = Testbed("""
            a:
                run say one
                run fail 3
            b:
                out b.txt
                run say nothing written
            c:
                run fail 137
            """)
        let log = PhaseLog()
        var options = BuildOptions()
        options.keepGoing = true
        _ = try bed.buildOnAnyHost(["a", "b", "c"], options: options, also: log)
        XCTAssertEqual(log.results["a"]?.kind, .exitStatus)
        XCTAssertEqual(log.results["a"]?.failedStep?.number, 2)
        XCTAssertEqual(log.results["a"]?.failedStep?.text, "fail 3")
        XCTAssertEqual(log.results["b"]?.kind, .missingOutput)
        XCTAssertNil(log.results["b"]?.failedStep?.number)
        XCTAssertEqual(log.results["c"]?.kind, .signal)
        XCTAssertEqual(log.lines.filter { $0.hasPrefix("end a") }, ["end a step 1/2 ok", "end a step 2/2 failed"])
    }

    func testRestoreAndStoreArePhases() throws {
        let bed = Testbed("""
            a:
                out a.txt
                run write $(out) hello
            """)
        _ = bed.useMemoryCache()
        let first = PhaseLog()
        _ = try bed.buildOnAnyHost(["a"], also: first)
        XCTAssertEqual(first.lines.filter { $0.contains("store") }, ["begin a store", "end a store ok"])
        bed.fs.removeFile("a.txt")
        let second = PhaseLog()
        _ = try bed.buildOnAnyHost(["a"], also: second)
        XCTAssertEqual(second.lines, ["build started", "begin a restore", "end a restore ok", "decided a restore",
                                      "build finished ran 0 failed 0"])
    }
}
