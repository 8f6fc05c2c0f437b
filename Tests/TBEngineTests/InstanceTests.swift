import Foundation
import TBEngine
import TBStore
import TBTargetfile
import TBTestSupport
import XCTest

/// `foreach node in $(NODES)`: one instance per node (`load@fit03`), each with its own
/// expanded recipe, key, trace and host; partial reruns; `parallel N`; one deadline for
/// the whole fan-out.
final class InstanceTests: XCTestCase {
    private static let loadTargetfile = """
        NODES ?= 1-2
        load: images/$(node).ndz
            foreach node in $(NODES)
            run load $(node) as $(target)
        """

    private func imaging(nodes: ClosedRange<Int> = 1...5) -> Testbed {
        var files: [String: String] = [:]
        for n in nodes { files["images/fit0\(n).ndz"] = "image of fit0\(n)" }
        return Testbed(InstanceTests.loadTargetfile, files: files)
    }

    private let three = ["NODES": "1-3"]

    // MARK: - Instances

    /// Every instance names the same directory: it is listed once while the graph loads.
    func testInstancesShareTheFilesOfAPrerequisiteDirectory() throws {
        let bed = Testbed("""
            sync: tools
                foreach node in 1-3
                run sync $(node)
            """, files: ["tools/a.sh": "a", "tools/b/c.sh": "c"])
        let (summary, _) = try bed.build("sync")
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(bed.fs.listedDirectories, ["tools"])
        XCTAssertEqual(bed.store.recordedTargets, ["sync@fit01", "sync@fit02", "sync@fit03"])
        XCTAssertEqual(try XCTUnwrap(bed.store.traces["sync@fit03"]).components.map(\.name).filter { $0.hasPrefix("in:") },
                       ["in:tools/a.sh", "in:tools/b/c.sh"])
    }

    func testOneInstancePerNodeAndAnAggregate() throws {
        let bed = imaging()
        let (summary, observer) = try bed.build("load", overrides: three)
        XCTAssertEqual(observer.decidedTargets, ["load@fit01", "load@fit02", "load@fit03", "load"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "load@fit01": Decision(.run, .neverRan), "load@fit02": Decision(.run, .neverRan),
            "load@fit03": Decision(.run, .neverRan), "load": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(observer.startedTargets, ["load@fit01", "load@fit02", "load@fit03"])
        XCTAssertEqual(observer.starts.map(\.total), [3, 3, 3], "the aggregate has no recipe")
        XCTAssertEqual(bed.executor().commands, [
            "load fit01 as load@fit01", "load fit02 as load@fit02", "load fit03 as load@fit03",
        ], "each instance's recipe is expanded with its own node and name")
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(bed.store.recordedTargets, ["load@fit01", "load@fit02", "load@fit03"],
                       "a trace per instance; none for the aggregate")
        let keys = Set(["load@fit01", "load@fit02", "load@fit03"].compactMap { bed.store.trace(for: $0)?.key })
        XCTAssertEqual(keys.count, 3, "each instance has its own key")
        XCTAssertNil(bed.store.trace(for: "load"))
    }

    func testInstanceKeyHoldsItsOwnInputOnlyAndNotTheNodeSet() throws {
        let bed = imaging()
        try bed.build("load", overrides: three)
        let components = try XCTUnwrap(bed.store.trace(for: "load@fit02")).components
        XCTAssertEqual(components.map(\.name), ["recipe", "in:images/fit02.ndz"],
                       "its own input only; NODES is not part of an instance's key")
    }

    func testGrowingTheNodeSetRunsOnlyTheNewNodes() throws {
        let bed = imaging()
        try bed.build("load", overrides: three)
        let (summary, observer) = try bed.build("load", overrides: ["NODES": "1-5"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "load@fit01": Decision(.skip, .upToDate), "load@fit02": Decision(.skip, .upToDate),
            "load@fit03": Decision(.skip, .upToDate), "load@fit04": Decision(.run, .neverRan),
            "load@fit05": Decision(.run, .neverRan), "load": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(bed.executor().commands, ["load fit04 as load@fit04", "load fit05 as load@fit05"])
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 4))
    }

    func testShrinkingTheNodeSetRunsNothing() throws {
        let bed = imaging()
        try bed.build("load", overrides: three)
        let (summary, observer) = try bed.build("load", overrides: ["NODES": "fit02"])
        XCTAssertEqual(observer.decidedTargets, ["load@fit02", "load"])
        XCTAssertEqual(bed.executor().commands, [])
        XCTAssertEqual(summary, .counts(skipped: 2))
    }

    func testPartialFailureThenRerunOnlyTheFailedInstance() throws {
        let bed = imaging()
        bed.script = { context in context.command.hasPrefix("load fit02 ") ? 7 : 0 }
        let options = BuildOptions.with { $0.jobs = 8 }
        let (summary, observer) = try bed.build("load", overrides: three, options: options)
        XCTAssertEqual(observer.statuses, ["load@fit01": .ok, "load@fit02": .failed, "load@fit03": .ok],
                       "the other instances were already running and finish")
        XCTAssertEqual(observer.result("load@fit02")?.failure, "command exited with status 7: load fit02 as load@fit02")
        XCTAssertEqual(observer.decision("load"), Decision(.skip, .dependencyFailed(name: "load@fit02")))
        XCTAssertEqual(summary, .counts(ran: 2, failed: 1, blocked: 1))
        XCTAssertEqual(Set(bed.store.recordedTargets), ["load@fit01", "load@fit03"])
        XCTAssertNil(bed.store.trace(for: "load@fit02"))

        bed.script = RecordingExecutor.miniShell
        let (again, second) = try bed.build("load", overrides: three, options: options)
        XCTAssertEqual(second.decisionsByTarget, [
            "load@fit01": Decision(.skip, .upToDate), "load@fit02": Decision(.run, .neverRan),
            "load@fit03": Decision(.skip, .upToDate), "load": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(bed.executor().commands, ["load fit02 as load@fit02"])
        XCTAssertEqual(again, .counts(ran: 1, skipped: 3))
    }

    /// Without -k a failure stops the run, but a failed instance lets the rest of its
    /// fan-out finish, as the imaging tools try every node; its dependents do not run.
    func testAFailedInstanceLetsItsFanOutFinish() throws {
        let bed = imaging()
        bed.script = { context in context.command.hasPrefix("load fit02 ") ? 1 : 0 }
        let (summary, observer) = try bed.build("load", overrides: three)
        XCTAssertEqual(observer.startedTargets, ["load@fit01", "load@fit02", "load@fit03"])
        XCTAssertEqual(observer.statuses, ["load@fit01": .ok, "load@fit02": .failed, "load@fit03": .ok])
        XCTAssertEqual(observer.decision("load"), Decision(.skip, .dependencyFailed(name: "load@fit02")))
        XCTAssertEqual(summary, .counts(ran: 2, failed: 1, blocked: 1))
    }

    /// …but nothing outside the fan-out starts after the failure.
    func testAFailedInstanceStillStopsEverythingElse() throws {
        let bed = Testbed("""
            NODES ?= 1-2
            all: load other
            load:
                foreach node in $(NODES)
                run load $(node)
            other: load@fit01
                run other
            """)
        bed.script = { context in context.command == "load fit02" ? 1 : 0 }
        let (_, observer) = try bed.build("all", options: .with { $0.jobs = 1 })
        XCTAssertEqual(Set(observer.startedTargets), ["load@fit01", "load@fit02"], "other was queued, never started")
        XCTAssertNil(observer.statuses["other"])
    }

    func testEditingOneNodesInputRerunsOnlyThatInstance() throws {
        let bed = imaging()
        try bed.build("load", overrides: three)
        bed.fs.write("images/fit02.ndz", "a new image of fit02")
        let (summary, observer) = try bed.build("load", overrides: three)
        XCTAssertEqual(observer.decisionsByTarget, [
            "load@fit01": Decision(.skip, .upToDate), "load@fit02": Decision(.run, .inputChanged(path: "images/fit02.ndz")),
            "load@fit03": Decision(.skip, .upToDate), "load": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(bed.executor().commands, ["load fit02 as load@fit02"])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 3))
    }

    func testOneInstanceByName() throws {
        let bed = imaging()
        let (summary, observer) = try bed.build("load@fit02", overrides: three)
        XCTAssertEqual(observer.decidedTargets, ["load@fit02"])
        XCTAssertEqual(bed.executor().commands, ["load fit02 as load@fit02"])
        XCTAssertEqual(summary, .counts(ran: 1))
        // It is the same instance as the fan-out's: the fan-out then runs only the others.
        let (_, second) = try bed.build("load", overrides: three)
        XCTAssertEqual(second.decision("load@fit02"), Decision(.skip, .upToDate))
        XCTAssertEqual(bed.executor().commands, ["load fit01 as load@fit01", "load fit03 as load@fit03"])
    }

    func testAnInstanceOutsideTheNodeSetCanStillBeAskedFor() throws {
        let bed = imaging()
        let (summary, _) = try bed.build("load@fit05", overrides: three)
        XCTAssertEqual(bed.executor().commands, ["load fit05 as load@fit05"])
        XCTAssertEqual(summary, .counts(ran: 1))
    }

    func testDependentSeesTheAggregateAndAnInstance() throws {
        let bed = Testbed("""
            NODES ?= 1-2
            load:
                foreach node in $(NODES)
                run load $(node)
            report: load
                run report
            check: load@fit02
                run check
            """)
        let (_, observer) = try bed.build("report", "check")
        XCTAssertEqual(observer.decidedTargets, ["load@fit01", "load@fit02", "load", "check", "report"])
        XCTAssertEqual(observer.decisionsByTarget["report"], Decision(.run, .neverRan))
        // A new node is news for what depends on the aggregate, not for what depends on one instance.
        let (_, second) = try bed.build(["report", "check"], overrides: ["NODES": "1-3"])
        XCTAssertEqual(second.decisionsByTarget["load@fit03"], Decision(.run, .neverRan))
        XCTAssertEqual(second.decisionsByTarget["report"], Decision(.run, .dependencyChanged(name: "load")))
        XCTAssertEqual(second.decisionsByTarget["check"], Decision(.skip, .upToDate))
    }

    func testUnknownInstanceOfAPlainTarget() {
        let bed = Testbed("plain:\n    run x\n")
        XCTAssertThrowsError(try bed.build("plain@fit01")) { error in
            XCTAssertEqual("\(error)", "no target named 'plain@fit01'")
        }
    }

    // MARK: - Node specs

    func testMalformedNodeSpecIsAnErrorAtTheForeach() {
        let bed = imaging()
        XCTAssertThrowsError(try bed.build("load", overrides: ["NODES": "1-2 1--3"])) { error in
            XCTAssertEqual(error as? TargetfileError, TargetfileError(
                SourceLocation(file: "Targetfile", line: 3, column: 21),
                "malformed node spec '1--3': expected a node number, fitNN, rebootNN, a range a-b[-step], a host name, "
                    + "a hostlist such as node[01-50,60], or ~ to exclude"))
        }
        XCTAssertEqual(bed.executor().commands, [], "nothing ran")
    }

    /// Node names of any testbed: hostlists, FQDNs, and numbered nodes named by
    /// NODE_PREFIX and NODE_DIGITS.
    func testNodesOfAnyTestbed() throws {
        let bed = Testbed("""
            NODES ?= cn[001-002] pc7.lab.example 3
            NODE_PREFIX = cn
            NODE_DIGITS = 3
            host cn* = local
            host pc7.lab.example = local
            load:
                foreach node in $(NODES)
                host $(node)
                run load $(node)
            """)
        let (summary, observer) = try bed.buildOnAnyHost(["load"])
        XCTAssertEqual(summary, .counts(ran: 4, skipped: 1))
        XCTAssertEqual(observer.startedTargets.sorted(), ["load@cn001", "load@cn002", "load@cn003", "load@pc7.lab.example"])
        XCTAssertEqual(bed.executor("cn003").commands, ["load cn003"])
        let (_, fewer) = try bed.buildOnAnyHost(["load"], overrides: ["NODES": "1-3 ~cn002"])
        XCTAssertEqual(fewer.startedTargets, [], "cn001 and cn003 are up to date; cn002 is excluded")
        XCTAssertEqual(fewer.decisionsByTarget.keys.sorted(), ["load", "load@cn001", "load@cn003"])
        XCTAssertThrowsError(try bed.buildOnAnyHost(["load"], overrides: ["NODE_DIGITS": "x"])) { error in
            XCTAssertEqual("\(error)", "Targetfile:7:21: NODE_DIGITS must be a number from 1 to 9, not 'x'")
        }
    }

    func testEmptyNodeSetIsAnError() {
        let bed = imaging()
        XCTAssertThrowsError(try bed.build("load", overrides: ["NODES": ""])) { error in
            XCTAssertEqual("\(error)", "Targetfile:3:21: 'load' runs on no node: '$(NODES)' is empty (set NODES, or use -a)")
        }
        XCTAssertThrowsError(try bed.build("load", overrides: ["NODES": "1-3 ~1-3"])) { error in
            XCTAssertEqual((error as? TargetfileError)?.message, "'load' runs on no node: '$(NODES)' is empty (set NODES, or use -a)")
        }
    }

    func testNodeSpecFormsAndTheEnvironment() throws {
        let bed = imaging()
        let (_, observer) = try bed.build("load", environment: ["NODES": "fit[01:05:2] ~3 reboot02"])
        XCTAssertEqual(observer.decidedTargets, ["load@fit01", "load@fit02", "load@fit05", "load"])
    }

    // MARK: - Hosts

    private static let hostTargetfile = """
        NODES ?= 1-3
        host fit* = local
        load:
            foreach node in $(NODES)
            host $(node)
            run load $(node) into $(root)
        """

    func testHostPatternGivesEachInstanceItsOwnHost() throws {
        let bed = Testbed(InstanceTests.hostTargetfile)
        let (summary, observer) = try bed.buildOnAnyHost(["load"])
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(observer.statuses, ["load@fit01": .ok, "load@fit02": .ok, "load@fit03": .ok])
        XCTAssertEqual(bed.commandsByHost, [
            "fit01": ["load fit01 into /sandbox/fit01"],
            "fit02": ["load fit02 into /sandbox/fit02"],
            "fit03": ["load fit03 into /sandbox/fit03"],
        ])
        XCTAssertEqual(bed.executor("fit02").events, ["prepare", "identity", "run load fit02 into /sandbox/fit02"])
        let components = try XCTUnwrap(bed.store.trace(for: "load@fit02")).components
        XCTAssertEqual(components.filter { $0.name.hasPrefix("host:") }.map { "\($0.name)=\($0.value)" }, ["host:fit02=fit02-1"])
    }

    func testReprovisioningOneNodeRerunsOnlyItsInstance() throws {
        let bed = Testbed(InstanceTests.hostTargetfile)
        try bed.buildOnAnyHost(["load"])
        bed.executor("fit03").identityString = "fit03-2"
        let (summary, observer) = try bed.buildOnAnyHost(["load"])
        XCTAssertEqual(observer.decisionsByTarget["load@fit03"], Decision(.run, .hostChanged(name: "fit03")))
        XCTAssertEqual(bed.commandsByHost, ["fit03": ["load fit03 into /sandbox/fit03"]])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 3))
    }

    func testNodeWithoutAMatchingHostDeclaration() {
        let bed = Testbed("""
            NODES ?= 1-3
            host reboot* = local
            load:
                foreach node in $(NODES)
                host $(node)
                run load
            """)
        XCTAssertThrowsError(try bed.buildOnAnyHost(["load"])) { error in
            XCTAssertEqual("\(error)", "Targetfile:5:10: unknown host 'fit01' (declare it with 'host fit01 = local' or '= ssh ADDRESS')")
        }
    }

    // MARK: - parallel N

    func testParallelLimitsInstancesRunningAtOnce() throws {
        var targetfile = "load:\n    foreach node in 1-5\n    parallel 2\n    run load $(node)\n"
        targetfile += "other:\n    run other\n"
        let bed = Testbed(targetfile)
        let gate = PairGate(total: 5)
        bed.script = { _ in gate.enter() ? 0 : 99 }
        let (summary, observer) = try bed.build("load", options: .with { $0.jobs = 8 })
        XCTAssertEqual(summary, .counts(ran: 5, skipped: 1), "a script that gave up waiting fails with 99")
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 2, "two at once — the gate makes them meet — never three")
        XCTAssertEqual(observer.startedTargets, ["load@fit01", "load@fit02", "load@fit03", "load@fit04", "load@fit05"])
        XCTAssertEqual(gate.maxInside, 2)
    }

    func testParallelDoesNotLimitOtherTargets() throws {
        // Three runs meet inside the gate: two instances (the limit) and an unrelated target.
        let bed = Testbed("""
            all: load other
            load:
                foreach node in 1-2
                parallel 2
                run load $(node)
            other:
                run other
            """)
        let gate = Barrier(count: 3)
        bed.script = { _ in gate.arrive() ? 0 : 99 }
        let (summary, _) = try bed.build("all", options: .with { $0.jobs = 8 })
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 2))
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 3)
    }

    /// `parallel N` bounds its fan-out at any `-j`: the work happens on the nodes.
    func testParallelIsHonouredAtAnyJobs() throws {
        let bed = Testbed("load:\n    foreach node in 1-4\n    parallel 4\n    run load $(node)\n")
        let gate = Barrier(count: 4)
        bed.script = { _ in gate.arrive() ? 0 : 99 }
        let (summary, _) = try bed.build("load", options: .with { $0.jobs = 1 })
        XCTAssertEqual(summary, .counts(ran: 4, skipped: 1), "the four met in the barrier: none waited for a -j slot")
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 4)
    }

    /// A fan-out without `parallel` on the implicit local host is bounded by `-j`.
    func testJobsBoundALocalFanOutWithoutParallel() throws {
        let bed = Testbed("load:\n    foreach node in 1-4\n    run load $(node)\n")
        let gate = PairGate(total: 4)
        bed.script = { _ in gate.enter() ? 0 : 99 }
        let (summary, _) = try bed.build("load", options: .with { $0.jobs = 2 })
        XCTAssertEqual(summary, .counts(ran: 4, skipped: 1))
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 2)
    }

    /// Recipes on named hosts (here `local` sandboxes standing for nodes) take no `-j` slot.
    func testTargetsOnNamedHostsTakeNoJobSlot() throws {
        let bed = Testbed("""
            host fit* = local
            all: a b c
            a:
                host fit01
                run a
            b:
                host fit02
                run b
            c:
                run c
            """)
        let gate = Barrier(count: 3)
        bed.script = { _ in gate.arrive() ? 0 : 99 }
        let (summary, _) = try bed.buildOnAnyHost(["all"], options: .with { $0.jobs = 1 })
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1), "a, b and c met: only c took the one -j slot")
    }

    // MARK: - Pools

    /// A pool bounds the recipes of every target that names it, across fan-outs and at
    /// any -j: two at once, the gate makes them meet, never three.
    func testAPoolBoundsSeveralTargetsTogether() throws {
        let bed = Testbed("""
            pool tftp = 2
            all: load other
            load:
                foreach node in 1-4
                parallel 4
                pool tftp
                run load $(node)
            other:
                pool tftp
                run other
            """)
        let gate = PairGate(total: 5)
        bed.script = { _ in gate.enter() ? 0 : 99 }
        let (summary, _) = try bed.build("all", options: .with { $0.jobs = 8 })
        XCTAssertEqual(summary, .counts(ran: 5, skipped: 2))
        XCTAssertEqual(bed.executor().maxConcurrentRuns, 2)
        XCTAssertEqual(gate.maxInside, 2)
    }

    /// The console pool runs one recipe at a time, through the executor's terminal call.
    func testTheConsolePoolRunsAloneOnTheTerminal() throws {
        let bed = Testbed("""
            confirm:
                pool console
                run read -p ok answer
            """)
        let (summary, observer) = try bed.build("confirm")
        XCTAssertEqual(summary, .counts(failed: 1))
        XCTAssertEqual(observer.result("confirm")?.failure,
                       "host local cannot give a recipe the terminal: the console pool runs on local hosts only",
                       "the recording executor has no terminal: the default says so")
    }

    // MARK: - One deadline for the fan-out

    func testInstancesShareOneDeadline() throws {
        let bed = Testbed("load:\n    foreach node in 1-3\n    parallel 1\n    timeout 200ms\n    run load $(node)\n")
        let executor = DeadlineExecutor()
        let targetfile = try Targetfile.parse(bed.targetfile)
        let graph = try BuildGraph(targetfile: targetfile, requested: ["load"], overrides: [:], environment: [:],
                                   fileSystem: bed.fs)
        let observer = RecordingObserver()
        let build = Build(graph: graph, options: .with { $0.jobs = 8; $0.keepGoing = true }, store: bed.store,
                          fileSystem: bed.fs, observer: observer, executorFor: { _ in executor })
        let summary = try build.run()
        let calls = executor.calls
        XCTAssertEqual(calls.map(\.command), ["load fit01", "load fit02", "load fit03"], "one at a time")
        let deadlines = calls.compactMap(\.deadline)
        XCTAssertEqual(deadlines.count, 3, "every instance got a deadline")
        XCTAssertEqual(Set(deadlines).count, 1, "the same Instant for all: the fan-out's")
        XCTAssertTrue(calls[1].calledAt >= deadlines[0] && calls[2].calledAt >= deadlines[0],
                      "the later instances started after the shared deadline had passed")
        // Not "timed out after 0s" for the later ones: the fan-out's timeout ran out.
        let timedOut = "timed out: the fan-out's 0.2s timeout ran out"
        XCTAssertEqual(observer.results.map(\.target), ["load@fit01", "load@fit02", "load@fit03"])
        XCTAssertEqual(observer.results.map { $0.result.failure }, [timedOut, timedOut, timedOut])
        XCTAssertEqual(summary, .counts(failed: 3, blocked: 1))
    }

    func testAPlainTargetGetsItsOwnDeadlinePerRun() throws {
        let bed = Testbed("a:\n    timeout 1h\n    run a\nb:\n    timeout 1h\n    run b\nall: a b\n")
        let executor = DeadlineExecutor(blocksUntilDeadline: false)
        let graph = try BuildGraph(targetfile: try Targetfile.parse(bed.targetfile), requested: ["all"], overrides: [:],
                                   environment: [:], fileSystem: bed.fs)
        _ = try Build(graph: graph, options: BuildOptions(), store: bed.store, fileSystem: bed.fs,
                      observer: RecordingObserver(), executorFor: { _ in executor }).run()
        let deadlines = executor.calls.compactMap(\.deadline)
        XCTAssertEqual(deadlines.count, 2)
        XCTAssertNotEqual(deadlines[0], deadlines[1], "no fan-out: each recipe's timeout starts when it starts")
    }
}

/// Lets the `2k-1`-th entrant through only once the `2k`-th entered (the last one, when
/// `total` is odd, goes through alone), so that recipes run two at a time as long as the
/// scheduler allows two; counts how many were inside at once. `enter` returns false if
/// a partner never came (a guard against hanging, not a measurement).
final class PairGate: @unchecked Sendable {
    private let condition = NSCondition()
    private let total: Int
    private var entered = 0
    private var inside = 0
    private(set) var maxInside = 0

    init(total: Int) { self.total = total }

    func enter() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        entered += 1
        inside += 1
        maxInside = max(maxInside, inside)
        defer { inside -= 1 }
        let index = entered
        condition.broadcast()
        let needed = min(total, index % 2 == 1 ? index + 1 : index)
        let giveUp = Date().addingTimeInterval(30)
        while entered < needed {
            if !condition.wait(until: giveUp) { return false }
        }
        return true
    }
}

/// Lets no one through until `count` have arrived.
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private var arrived = 0

    init(count: Int) { self.count = count }

    func arrive() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        let giveUp = Date().addingTimeInterval(30)
        while arrived < count {
            if !condition.wait(until: giveUp) { return false }
        }
        return true
    }
}

/// An executor whose every command sleeps until its deadline and then times out, as a
/// hung node would; it records each call's deadline and when it was called.
final class DeadlineExecutor: Executor, @unchecked Sendable {
    struct Call {
        var command: String
        var deadline: ContinuousClock.Instant?
        var calledAt: ContinuousClock.Instant
    }

    let hostName = "local"
    /// False: commands succeed at once, whatever their deadline.
    let blocksUntilDeadline: Bool
    var variables: [String: String] { ["root": "/sandbox/local"] }
    private let lock = NSLock()
    private var _calls: [Call] = []

    init(blocksUntilDeadline: Bool = true) { self.blocksUntilDeadline = blocksUntilDeadline }

    var calls: [Call] { lock.lock(); defer { lock.unlock() }; return _calls }

    func prepare() throws {}
    func identity() throws -> String { "local-1" }

    func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
             output: OutputSink) throws -> Int32 {
        let now = ContinuousClock.now
        lock.lock()
        _calls.append(Call(command: command, deadline: deadline, calledAt: now))
        lock.unlock()
        guard let deadline, blocksUntilDeadline else { return 0 }
        // As the real executors: a command started past its deadline times out "after 0s".
        if deadline <= now { throw ExecutorError.timedOut(seconds: 0) }
        while ContinuousClock.now < deadline { usleep(5_000) }
        throw ExecutorError.timedOut(seconds: 0.2)
    }

    func put(from local: String, to remote: String) throws -> TransferOutcome { .copied }
    func get(from remote: String, to local: String) throws -> TransferOutcome { .copied }
}
