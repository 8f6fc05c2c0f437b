import TBEngine
import TBStore
import TBTargetfile
import TBTestSupport
import XCTest

/// Depth costs memory, never the thread's stack: graph loading, cycle detection and
/// variable expansion walk on stacks of their own (a chain of 1,172 targets used to
/// end in SIGSEGV).
final class DeepGraphTests: XCTestCase {
    /// `t0: t1`, `t1: t2`, … and the last one runs `true`.
    private func chain(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count * 16)
        for i in 0..<(count - 1) { text += "t\(i): t\(i + 1)\n" }
        text += "t\(count - 1):\n    run true\n"
        return text
    }

    func testAMillionTargetChainLoads() throws {
        let count = 1_000_000
        let targetfile = try Targetfile.parse(chain(count))
        let graph = try BuildGraph(targetfile: targetfile, requested: ["t0"], overrides: [:], environment: [:],
                                   fileSystem: InMemoryFileSystem([:]))
        let names = graph.targetNames
        XCTAssertEqual(names.count, count)
        XCTAssertEqual(names.first, "t\(count - 1)")
        XCTAssertEqual(names.last, "t0")
        XCTAssertEqual(names[count / 2], "t\(count / 2 - 1)")
    }

    func testAHundredThousandTargetCycleIsReportedAtItsFirstTarget() throws {
        let count = 100_000
        var text = ""
        for i in 0..<count { text += "t\(i): t\((i + 1) % count)\n    run true\n" }
        let targetfile = try Targetfile.parse(text)
        XCTAssertThrowsError(try BuildGraph(targetfile: targetfile, requested: ["t0"], overrides: [:], environment: [:],
                                            fileSystem: InMemoryFileSystem([:]))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("Targetfile:1:1: dependency cycle: t0 -> t1 -> t2 -> "), String(message.prefix(80)))
            XCTAssertTrue(message.hasSuffix(" -> t99998 -> t99999 -> t0"), String(message.suffix(80)))
            XCTAssertEqual(message.split(separator: ">").count, count + 1)
        }
    }

    func testAHundredThousandTargetChainRunsInOrder() throws {
        let count = 100_000
        let bed = Testbed(chain(count))
        let (summary, _) = try bed.build("t0")
        XCTAssertEqual(summary.ran, 1)
        XCTAssertEqual(bed.commandsByHost, ["local": ["true"]])
        let (again, _) = try bed.build("t0")
        XCTAssertEqual(again.ran, 0)
        XCTAssertEqual(bed.commandsByHost, [:])
    }

    /// `v0 = $(v1)`, …, `v99999 = end`: one value through 100,000 definitions, in a
    /// recipe (expanded when the target runs) and in a prerequisite (when the graph loads).
    func testAHundredThousandVariableChainExpands() throws {
        let count = 100_000
        var text = ""
        for i in 0..<(count - 1) { text += "v\(i) = $(v\(i + 1))\n" }
        text += "v\(count - 1) = end\nt: $(v0)\n    run echo $(v0)\nend:\n    run true\n"
        let bed = Testbed(text)
        try bed.build("t")
        XCTAssertEqual(bed.commandsByHost, ["local": ["true", "echo end"]])
    }

    func testAHundredThousandVariableCycleIsAnErrorBeforeAnythingRuns() throws {
        let count = 100_000
        var text = ""
        for i in 0..<count { text += "v\(i) = $(v\((i + 1) % count))\n" }
        text += "t:\n    run echo $(v0)\n"
        let bed = Testbed(text)
        XCTAssertThrowsError(try bed.build("t")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("Targetfile:\(count):10: variable 'v0' refers to itself: v0 -> v1 -> "), String(message.prefix(80)))
            XCTAssertTrue(message.hasSuffix(" -> v99999 -> v0"), String(message.suffix(80)))
        }
        XCTAssertEqual(bed.commandsByHost, [:])
    }
}
