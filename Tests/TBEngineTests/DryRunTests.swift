import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Dry run": every decision, no recipe, no output, no trace, no prepare.
final class DryRunTests: XCTestCase {
    private func project() -> Testbed {
        Testbed("""
            host dev2 = local
            all: dep use other
            dep: in.txt
                host dev2
                out dep.txt
                run write $(out) $(text)
            use: dep
                out use.txt
                run write $(out) used
            other:
                out other.txt
                run write $(out) other
            """, files: ["in.txt": "1"])
    }

    private let dryRun = BuildOptions.with { $0.dryRun = true }

    func testDryRunOfAFreshProjectTouchesNothing() throws {
        let bed = project()
        let (summary, observer) = try bed.build("all", overrides: ["text": "a"], options: dryRun)
        XCTAssertEqual(observer.decisionsByTarget, [
            "dep": Decision(.run, .neverRan),
            "use": Decision(.run, .neverRan),
            "other": Decision(.run, .neverRan),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(summary, .counts(skipped: 1, wouldRun: 3))
        XCTAssertEqual(observer.startedTargets, [])
        XCTAssertEqual(bed.executor("dev2").calls, [])
        XCTAssertEqual(bed.executor("dev2").prepareCount, 0, "a dry run never prepares a host")
        XCTAssertEqual(bed.executor("local").calls, [])
        XCTAssertEqual(bed.store.recorded, [])
        XCTAssertEqual(bed.fs.snapshot, ["in.txt": "1"])
    }

    func testDryRunSaysWhichDependencyWillRun() throws {
        let bed = project()
        try bed.build("all", overrides: ["text": "a"])
        let recorded = bed.store.recorded
        let files = bed.fs.snapshot
        bed.fs.write("in.txt", "2")
        let (summary, observer) = try bed.build("all", overrides: ["text": "a"], options: dryRun)
        XCTAssertEqual(observer.decisionsByTarget, [
            "dep": Decision(.run, .inputChanged(path: "in.txt")),
            "use": Decision(.run, .dependencyWillRun(name: "dep")),
            "other": Decision(.skip, .upToDate),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(observer.decision("use")?.reason.description, "dependency dep will run")
        XCTAssertEqual(summary, .counts(skipped: 2, wouldRun: 2))
        XCTAssertEqual(bed.executor("dev2").calls, [])
        XCTAssertEqual(bed.executor("dev2").prepareCount, 0)
        XCTAssertEqual(bed.executor("local").calls, [])
        XCTAssertEqual(bed.store.recorded, recorded)
        XCTAssertEqual(bed.fs.snapshot.filter { $0.key != "in.txt" }, files.filter { $0.key != "in.txt" })
        // The real run: dep writes the same bytes again, so use is cut off after all.
        let (_, real) = try bed.build("all", overrides: ["text": "a"])
        XCTAssertEqual(real.decisionsByTarget["dep"], Decision(.run, .inputChanged(path: "in.txt")))
        XCTAssertEqual(real.decisionsByTarget["use"], Decision(.skip, .upToDate))
    }

    func testDryRunThroughAnAggregateNamesTheAggregate() throws {
        let bed = Testbed("""
            gen: in.txt
                out gen.txt
                run write $(out) g
            both: gen
            use: both
                out use.txt
                run write $(out) u
            """, files: ["in.txt": "1"])
        try bed.build("use")
        bed.fs.write("in.txt", "2")
        let (_, observer) = try bed.build("use", options: dryRun)
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .inputChanged(path: "in.txt")),
            "both": Decision(.skip, .aggregate),
            "use": Decision(.run, .dependencyWillRun(name: "both")),
        ])
    }

    func testDryRunWithForceSaysForcedForEveryTarget() throws {
        let bed = project()
        try bed.build("all", overrides: ["text": "a"])
        let (summary, observer) = try bed.build("all", overrides: ["text": "a"], options: .with { $0.dryRun = true; $0.force = true })
        XCTAssertEqual(observer.decisionsByTarget, [
            "dep": Decision(.run, .forced),
            "use": Decision(.run, .forced),
            "other": Decision(.run, .forced),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(summary, .counts(skipped: 1, wouldRun: 3))
        XCTAssertEqual(bed.executor("local").calls, [])
    }

    func testDryRunDoesNotRecordTheNewDigestOfAnEditedStateFile() throws {
        let bed = Testbed("""
            node:
                state arg-node
                run write $(state) hostname=fit01
            """)
        try bed.build("node")
        let recorded = bed.store.recorded
        bed.fs.write("arg-node", "hostname=fit02")
        let (_, observer) = try bed.build("node", options: dryRun)
        XCTAssertEqual(observer.decisionsByTarget, ["node": Decision(.skip, .upToDate)])
        XCTAssertEqual(bed.store.recorded, recorded)
    }
}

/// `-n --offline`: no host is reached; each is taken to be as the target's last run found it.
final class OfflineDryRunTests: XCTestCase {
    func testAnOfflineDryRunReachesNoHostAndTakesTheLastIdentity() throws {
        let bed = Testbed("""
            host node = local
            a:
                host node
                run a
            b:
                host node
                run b
            """)
        try bed.build("a")
        bed.executor("node").identityString = "reprovisioned"
        let offline = BuildOptions.with { $0.dryRun = true; $0.offline = true }
        let (summary, observer) = try bed.build("a", "b", options: offline)
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.skip, .upToDate), "b": Decision(.run, .neverRan)])
        XCTAssertEqual(summary, .counts(skipped: 1, wouldRun: 1))
        XCTAssertEqual(bed.executor("node").prepareCount, 0)
        XCTAssertEqual(bed.executor("node").identityCount, 0, "no host was reached")
        // Online, the dry run learns the host changed.
        let (_, online) = try bed.build("a", options: .with { $0.dryRun = true })
        XCTAssertEqual(online.decisionsByTarget, ["a": Decision(.run, .hostChanged(name: "node"))])
    }
}
