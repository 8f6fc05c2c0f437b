import TBEngine
import TBStore
import TBTargetfile
import TBTestSupport
import XCTest

/// Errors found while loading the graph, before anything runs.
final class GraphErrorTests: XCTestCase {
    private func targetfileError(_ bed: Testbed, _ targets: String..., file: StaticString = #filePath,
                                 line: UInt = #line) -> TargetfileError? {
        var caught: TargetfileError?
        XCTAssertThrowsError(try bed.build(targets), file: file, line: line) { error in
            caught = error as? TargetfileError
            XCTAssertNotNil(caught, "expected a TargetfileError, got \(error)", file: file, line: line)
        }
        for executor in bed.executors.values {
            XCTAssertEqual(executor.events, [], "nothing ran on \(executor.hostName)", file: file, line: line)
        }
        XCTAssertEqual(bed.store.recorded, [], file: file, line: line)
        return caught
    }

    func testDependencyCycleIsReportedAtItsFirstTarget() throws {
        let bed = Testbed("""
            top: a
                run true
            a: b
                run true
            b: a
                run true
            """)
        let error = targetfileError(bed, "top")
        XCTAssertEqual(error, TargetfileError(SourceLocation(file: "Targetfile", line: 3, column: 1), "dependency cycle: a -> b -> a"))
        XCTAssertEqual(error?.description, "Targetfile:3:1: dependency cycle: a -> b -> a")
    }

    func testTwoTargetCycle() throws {
        let bed = Testbed("""
            a: b
                run true
            b: a
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:1:1: dependency cycle: a -> b -> a")
    }

    func testSelfDependencyIsACycle() throws {
        let bed = Testbed("""
            a: a
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:1:1: dependency cycle: a -> a")
    }

    func testUnknownTarget() throws {
        let bed = Testbed("""
            a:
                run true
            """)
        XCTAssertThrowsError(try bed.build("nope")) { error in
            guard case EngineError.unknownTarget(let name) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "nope")
            XCTAssertEqual("\(error)", "no target named 'nope'")
        }
        XCTAssertEqual(bed.executor().events, [])
    }

    func testUndefinedVariableInALaterRunLineStopsEverythingBeforeAnythingRuns() throws {
        let bed = Testbed("""
            all: first second
            first:
                run true first
            second:
                run true
                run echo $(flavor)
            """)
        let error = targetfileError(bed, "all")
        XCTAssertEqual(error?.description, "Targetfile:6:14: undefined variable 'flavor'")
    }

    func testReferenceToANonDependencyIsAnError() throws {
        let bed = Testbed("""
            a:
                out a.txt
                run write $(out) a
            b:
                run echo $(a.out)
            """)
        XCTAssertEqual(targetfileError(bed, "b")?.description, "Targetfile:5:14: 'a' in '$(a.out)' is not a dependency of 'b'")
    }

    func testOutUsedWithoutOutIsAnError() throws {
        let bed = Testbed("""
            a:
                run write $(out) a
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:2:15: '$(out)' used but 'a' declares no out")
    }

    func testMissingFileInput() throws {
        let bed = Testbed("""
            a: missing.c
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:1:4: no such file or target 'missing.c'")
    }

    func testGlobMatchingNothing() throws {
        let bed = Testbed("""
            a: src/*.c
                run true
            """, files: ["src/readme": "r"])
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:1:4: 'src/*.c' matches no file")
    }

    func testUnknownHost() throws {
        let bed = Testbed("""
            a:
                host nowhere
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description,
                       "Targetfile:2:10: unknown host 'nowhere' (declare it with 'host nowhere = local' or '= ssh ADDRESS')")
    }

    func testPrerequisiteNamingATargetThroughAVariableIsADependency() throws {
        let bed = Testbed("""
            which = gen
            gen:
                out gen.txt
                run write $(out) g
            use: $(which)
                out use.txt
                run write $(out) $(gen.out)
            """)
        let (_, observer) = try bed.build("use")
        XCTAssertEqual(observer.decidedTargets, ["gen", "use"])
        XCTAssertEqual(bed.fs.contents("use.txt"), "gen.txt")
    }

    // MARK: - Found at load, not after other targets ran (issue 10, item 4)

    func testVariableThatRefersToItselfIsAnErrorBeforeAnythingRuns() throws {
        let bed = Testbed("""
            v = $(v)-1
            first:
                run true
            all: first
                run echo $(v)
            """)
        XCTAssertEqual(targetfileError(bed, "all")?.description, "Targetfile:1:5: variable 'v' refers to itself: v -> v")
    }

    func testVariablesThatReferToEachOtherAreAnErrorAtTheFirstOne() throws {
        let bed = Testbed("""
            x = $(y)
            y = a-$(x)
            first:
                run true
            all: first
                run echo $(x)
            """)
        XCTAssertEqual(targetfileError(bed, "all")?.description, "Targetfile:2:7: variable 'x' refers to itself: x -> y -> x")
    }

    func testAnUnusedSelfReferenceIsStillAnError() throws {
        let bed = Testbed("""
            unused = $(other)
            other = $(unused:raw)
            a:
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "a")?.description, "Targetfile:2:9: variable 'unused' refers to itself: unused -> other -> unused")
    }

    /// As make: a value given on the command line replaces the definition, which is
    /// then never read; the environment does the same for a `?=` definition.
    func testAnOverriddenSelfReferenceIsNoError() throws {
        let bed = Testbed("""
            v = $(v)-1
            w ?= $(w)-1
            a:
                run echo $(v) $(w)
            """)
        try bed.build(["a"], overrides: ["v": "$(v)"], environment: ["w": "two"])
        XCTAssertEqual(bed.commandsByHost, ["local": ["echo '$(v)' two"]])
        XCTAssertEqual(targetfileError(Testbed(bed.targetfile), "a")?.description, "Targetfile:1:5: variable 'v' refers to itself: v -> v")
        XCTAssertEqual(targetfileErrorWith(Testbed(bed.targetfile), overrides: ["v": "1"])?.description,
                       "Targetfile:2:6: variable 'w' refers to itself: w -> w")
    }

    func testOutOfADependencyWithoutOutIsAnErrorBeforeAnythingRuns() throws {
        let bed = Testbed("""
            dep:
                run true
            first:
                run true
            all: first dep
                run echo $(dep.out)
            """)
        XCTAssertEqual(targetfileError(bed, "all")?.description, "Targetfile:6:14: '$(dep.out)' used but 'dep' declares no out")
    }

    func testStateOfADependencyWithoutStateIsAnError() throws {
        let bed = Testbed("""
            dep:
                out dep.txt
                run write $(out) d
            all: dep
                env S=$(dep.state)
                run true
            """)
        XCTAssertEqual(targetfileError(bed, "all")?.description, "Targetfile:5:11: '$(dep.state)' used but 'dep' declares no state")
    }

    func testAKeyOfADependencyWithoutStateIsAnError() throws {
        let bed = Testbed("""
            dep:
                out dep.txt
                run write $(out) d
            all: dep
                run echo $(dep.address)
            """)
        XCTAssertEqual(targetfileError(bed, "all")?.description,
                       "Targetfile:5:14: '$(dep.address)' reads the state file of 'dep', which declares no state")
    }

    /// A name from outside quoted in a Targetfile error cannot break it into two lines
    /// nor drive the terminal.
    func testAMissingFileWithControlCharactersIsOneLine() throws {
        let bed = Testbed("""
            a: $(x)
                run true
            """)
        XCTAssertThrowsError(try bed.build(["a"], overrides: ["x": "no\rsuch\u{1b}7"])) { error in
            XCTAssertEqual("\(error)", "Targetfile:1:4: no such file or target 'no\\rsuch\\e7'")
        }
    }

    private func targetfileErrorWith(_ bed: Testbed, overrides: [String: String]) -> TargetfileError? {
        do {
            try bed.build(["a"], overrides: overrides)
        } catch {
            return error as? TargetfileError
        }
        return nil
    }
}
