import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Early cutoff" and how a dependency's run reaches its dependents.
final class EarlyCutoffTests: XCTestCase {
    /// `gen` reads `in.txt` but writes what `$(content)` says; `use` depends on `gen`.
    private func project() -> Testbed {
        Testbed("""
            content ?= same
            gen: in.txt
                out gen.txt
                run write $(out) $(content)
            use: gen
                out use.txt
                run write $(out) from $(gen.out)
            """, files: ["in.txt": "1"])
    }

    func testDependencyRerunWithIdenticalBytesDoesNotRerunDependent() throws {
        let bed = project()
        try bed.build("use")
        bed.fs.write("in.txt", "2")
        let (summary, observer) = try bed.build("use")
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .inputChanged(path: "in.txt")),
            "use": Decision(.skip, .upToDate),
        ])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 1))
        XCTAssertEqual(bed.executor().commands, ["write .gen.txt.tbmake-new same"])
        XCTAssertEqual(bed.store.traces["gen"]?.outputs.map(\.digest), [SHA256.digest("same")])
    }

    func testDependencyWritingNewBytesRerunsDependent() throws {
        let bed = project()
        try bed.build("use")
        bed.fs.write("in.txt", "2")
        let (summary, observer) = try bed.build("use", environment: ["content": "different"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .variableChanged(name: "content", from: "same", to: "different")),
            "use": Decision(.run, .dependencyChanged(name: "gen")),
        ])
        XCTAssertEqual(observer.decision("use")?.reason.description, "dependency gen produced new output")
        XCTAssertEqual(summary, .counts(ran: 2))
        XCTAssertEqual(bed.executor().commands, ["write .gen.txt.tbmake-new different", "write .use.txt.tbmake-new from gen.txt"])
    }

    func testTargetWithoutOutputsThatRanRerunsItsDependents() throws {
        let bed = Testbed("""
            install: pkg.rpm
                host prod
                run true install
            check: install
                out check.txt
                run write $(out) ok
            host prod = local
            """, files: ["pkg.rpm": "v1"])
        try bed.build("check")
        // Nothing changed: both up to date, the side-effect target too.
        var (summary, observer) = try bed.build("check")
        XCTAssertEqual(observer.decisionsByTarget, ["install": Decision(.skip, .upToDate), "check": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, .counts(skipped: 2))
        bed.fs.write("pkg.rpm", "v2")
        (summary, observer) = try bed.build("check")
        XCTAssertEqual(observer.decisionsByTarget, [
            "install": Decision(.run, .inputChanged(path: "pkg.rpm")),
            "check": Decision(.run, .dependencyChanged(name: "install")),
        ])
        XCTAssertEqual(summary, .counts(ran: 2))
        XCTAssertEqual(bed.executor("prod").commands, ["true install"])
        XCTAssertEqual(bed.executor("local").commands, ["write .check.txt.tbmake-new ok"])
    }

    func testAlwaysTargetWithoutOutputsRerunsDependentsEveryTime() throws {
        let bed = Testbed("""
            reset:
                always
                run true reset
            probe: reset
                out probe.txt
                run write $(out) probed
            """)
        try bed.build("probe")
        let (summary, observer) = try bed.build("probe")
        XCTAssertEqual(observer.decisionsByTarget, [
            "reset": Decision(.run, .always),
            "probe": Decision(.run, .dependencyChanged(name: "reset")),
        ])
        XCTAssertEqual(summary, .counts(ran: 2))
    }

    func testAlwaysTargetWithIdenticalOutputsCutsOff() throws {
        let bed = Testbed("""
            stamp:
                always
                out stamp.txt
                run write $(out) fixed
            use: stamp
                out use.txt
                run write $(out) used
            """)
        try bed.build("use")
        let (summary, observer) = try bed.build("use")
        XCTAssertEqual(observer.decisionsByTarget, ["stamp": Decision(.run, .always), "use": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 1))
    }

    func testCutoffPropagatesThroughAnAggregate() throws {
        let bed = Testbed("""
            gen: in.txt
                out gen.txt
                run write $(out) same
            both: gen
            use: both
                out use.txt
                run write $(out) used
            """, files: ["in.txt": "1"])
        try bed.build("use")
        bed.fs.write("in.txt", "2")
        var (_, observer) = try bed.build("use")
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .inputChanged(path: "in.txt")),
            "both": Decision(.skip, .aggregate),
            "use": Decision(.skip, .upToDate),
        ])
        bed.targetfile = bed.targetfile.replacingOccurrences(of: "write $(out) same", with: "write $(out) new")
        (_, observer) = try bed.build("use")
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .recipeChanged),
            "both": Decision(.skip, .aggregate),
            "use": Decision(.run, .dependencyChanged(name: "both")),
        ])
    }

    func testRestoringTheOldInputContentIsUpToDateAgainWithoutRerunningDependents() throws {
        let bed = project()
        try bed.build("use")
        bed.fs.write("in.txt", "2")
        try bed.build("use")
        bed.fs.write("in.txt", "1")
        let (_, observer) = try bed.build("use")
        XCTAssertEqual(observer.decisionsByTarget, [
            "gen": Decision(.run, .inputChanged(path: "in.txt")),
            "use": Decision(.skip, .upToDate),
        ])
    }
}
