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
}
