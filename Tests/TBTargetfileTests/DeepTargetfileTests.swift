import XCTest
@testable import TBTargetfile

/// Loading walks `use` chains and include chains on stacks of its own: depth costs
/// memory, never the thread's stack (issue 10, item 7).
final class DeepTargetfileTests: XCTestCase {
    func testAHundredThousandRulesUsingEachOther() throws {
        let count = 100_000
        var text = "t:\n    use r0 p=x\n"
        for i in 0..<(count - 1) { text += "rule r\(i)(p): dep\(i)\n    use r\(i + 1) p=$(p)\n" }
        text += "rule r\(count - 1)(p):\n    run echo $(p)\n"
        let t = try target(try load(text), "t")
        XCTAssertEqual(t.writtenSteps, ["run echo $(p)"])
        XCTAssertEqual(t.prerequisites.count, count - 1)
        XCTAssertEqual(t.prerequisites.last?.description, "dep\(count - 2)")
    }

    func testARuleCycleFarDown() {
        let count = 10_000
        var text = "t:\n    use r0\n"
        for i in 0..<count { text += "rule r\(i):\n    use r\((i + 1) % count)\n" }
        let error = errorOf(text)
        XCTAssertEqual(error?.hasPrefix("Targetfile:\(2 * count + 2):5: rule cycle: r0 -> r1 -> r2 -> "), true, String(error?.prefix(80) ?? "nil"))
        XCTAssertEqual(error?.hasSuffix(" -> r9999 -> r0"), true, String(error?.suffix(80) ?? "nil"))
    }

    func testTenThousandNestedIncludes() throws {
        let count = 10_000
        var files: [String: String] = [:]
        for i in 0..<count { files["inc/f\(i).tb"] = "include f\(i + 1).tb\nt\(i):\n    run true\n" }
        files["inc/f\(count).tb"] = "last:\n    run true\n"
        let tf = try load("include inc/f0.tb\nmain:\n    run true\n", files: files)
        XCTAssertEqual(tf.targets.count, count + 2)
        XCTAssertEqual(tf.targets.first?.name, "last")
        XCTAssertEqual(tf.defaultTarget, "main")
    }

    func testAnIncludeCycleFarDown() {
        let count = 10_000
        var files: [String: String] = [:]
        for i in 0..<count { files["f\(i).tb"] = "include f\((i + 1) % count).tb\n" }
        XCTAssertEqual(errorOf("include f0.tb\n", files: files), "f9999.tb:1:9: include cycle: 'f0.tb' includes itself")
    }
}
