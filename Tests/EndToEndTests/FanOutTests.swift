import Foundation
import XCTest

/// The real binary on a fan-out over local sandboxes (`host fit* = local`): the node ×
/// status table, exit status, reruns of the failed node only, `--json` instance names,
/// and the pipeline `lock`.
final class FanOutTests: XCTestCase {
    /// fit03 fails until the file `fixed` exists; every node writes its sandbox's disk.
    private let targetfile = """
        NODES ?= 1-4
        host fit* = local

        load:
            foreach node in $(NODES)
            host $(node)
            run if [ $(node) = fit03 ] && [ ! -e fixed ]; then echo no disk on $(node); exit 4; fi
            run echo loaded $(node) > $(root)/disk

        """

    /// The table's lines, durations replaced by `Ns`.
    private func table(_ stdout: String) -> [String] {
        let duration = try! NSRegularExpression(pattern: "  [0-9]+\\.[0-9]s(?=$|  )")
        return stdout.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("load: ") || $0.hasPrefix("  fit") }
            .map { line in
                duration.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: "  Ns")
            }
    }

    /// A status line with its elapsed time replaced by `Ns`.
    static func timeless(_ line: Substring) -> String {
        line.replacingOccurrences(of: #", [0-9]+\.[0-9]s\]"#, with: ", Ns]", options: .regularExpression)
    }

    func testOneFailingNodeThenRerunOnlyIt() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("-j", "4", "load")
        XCTAssertEqual(first.status, 1, "\(first)")
        XCTAssertEqual(table(first.stdout), [
            "load: 1 failed, 3 ok",
            "  fit01  ok       Ns",
            "  fit02  ok       Ns",
            "  fit03  failed   Ns  step 1: command exited with status 4: if [ fit03 = fit03 ] && [ ! -e fixed ]; then echo no disk on fit03; exit 4; fi",
            "  fit04  ok       Ns",
        ], first.stdout)
        XCTAssertTrue(first.stderr.contains("tbmake: load@fit03 failed: command exited with status 4: if [ fit03 = fit03 ]"), first.stderr)
        XCTAssertTrue(first.stderr.contains("  | no disk on fit03\n"), first.stderr)
        XCTAssertTrue(first.stderr.contains("  log: .tbmake/logs/load@fit03.log\n"), first.stderr)
        XCTAssertTrue(first.stdout.contains("tbmake: ran 3, up to date 0, failed 1, not run 1 in "), first.stdout)
        for n in [1, 2, 4] {
            XCTAssertEqual(try project.read(".tbmake/hosts/fit0\(n)/disk"), "loaded fit0\(n)\n")
        }
        XCTAssertFalse(project.exists(".tbmake/hosts/fit03/disk"))
        XCTAssertTrue(try project.read(".tbmake/logs/load@fit03.log").contains("no disk on fit03\n"))

        try project.write("fixed", "")
        let second = try project.tbmake("-j", "4", "load")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(table(second.stdout), [
            "load: 1 ok, 3 skipped",
            "  fit01  skipped",
            "  fit02  skipped",
            "  fit03  ok       Ns",
            "  fit04  skipped",
        ], second.stdout)
        // Only fit03 starts; the others settle as up to date before or after it.
        let starts = second.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.map(Self.timeless)
        XCTAssertEqual(starts.count, 1, second.stdout)
        XCTAssertNotNil(starts.first?.range(of: #"^\[[0-3]/4, 1 running, Ns\] load@fit03$"#, options: .regularExpression), second.stdout)
        XCTAssertEqual(try project.read(".tbmake/hosts/fit03/disk"), "loaded fit03\n")
    }

    func testJSONNamesEachInstance() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("--json", "-j", "4", "load", "NODES=1-4")
        XCTAssertEqual(first.status, 1, "\(first)")
        XCTAssertEqual(first.decisions(), [
            "load@fit01": "run: never ran", "load@fit02": "run: never ran",
            "load@fit03": "run: never ran", "load@fit04": "run: never ran",
            "load": "skip: dependency load@fit03 failed",
        ])
        // Each instance started once; their hosts are reached side by side, so in any order.
        XCTAssertEqual(first.started().sorted(), ["load@fit01", "load@fit02", "load@fit03", "load@fit04"])
        XCTAssertEqual(first.finished(), ["load@fit01": "ok", "load@fit02": "ok", "load@fit03": "failed", "load@fit04": "ok"])

        try project.write("fixed", "")
        let second = try project.tbmake("--json", "load", "NODES=1-5")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.decisions(), [
            "load@fit01": "skip: up to date", "load@fit02": "skip: up to date",
            "load@fit03": "run: never ran", "load@fit04": "skip: up to date",
            "load@fit05": "run: never ran", "load": "skip: aggregate",
        ])
        XCTAssertEqual(second.finished(), ["load@fit03": "ok", "load@fit05": "ok"])
    }

    func testOneInstanceByNameAndAMalformedNodeSet() throws {
        let project = try Project(targetfile: targetfile)
        let one = try project.tbmake("--json", "load@fit02")
        XCTAssertEqual(one.status, 0, "\(one)")
        XCTAssertEqual(one.decisions(), ["load@fit02": "run: never ran"])
        let bad = try project.tbmake("load", "NODES=1-2 1--3")
        XCTAssertEqual(bad.status, 2, "\(bad)")
        XCTAssertEqual(bad.stderr, "tbmake: Targetfile:5:21: malformed node spec '1--3': expected a node number, "
                       + "fitNN, rebootNN, a range a-b[-step], a host name, a hostlist such as node[01-50,60], or ~ to exclude\n")
    }

    func testSecondRunOfALockedPipelineFailsAtOnce() throws {
        let lockDirectory = try Project(targetfile: "")
        let lockPath = lockDirectory.path + "/pipeline.lock"
        let pipeline = """
            lock \(lockPath)
            slow:
                run touch started; while [ ! -e release ]; do sleep 0.05; done

            """
        let first = try Project(targetfile: pipeline)
        let second = try Project(targetfile: pipeline)
        let running = try first.start(["slow"])
        var released = false
        defer { if !released { running.process.terminate(); _ = try? running.wait() } }
        guard waitUntil("the first run started its recipe", { first.exists("started") }) else { return }

        let refused = try second.tbmake("slow")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderr, "tbmake: the pipeline is already running: \(lockPath) is locked by process "
                       + "\(running.pid) (Targetfile:1:6)\n")
        XCTAssertFalse(second.exists("started"), "the second run ran nothing")
        XCTAssertFalse(second.exists(".tbmake/logs/slow.log"))

        try first.write("release", "")
        released = true
        let done = try running.wait()
        XCTAssertEqual(done.status, 0, "\(done)")

        // The lock is free again: the second project runs now.
        try second.write("release", "")
        let after = try second.tbmake("slow")
        XCTAssertEqual(after.status, 0, "\(after)")
        XCTAssertTrue(second.exists("started"))
    }

    func testDryRunTakesNoLock() throws {
        let lockDirectory = try Project(targetfile: "")
        let project = try Project(targetfile: "lock \(lockDirectory.path)/l\nt:\n    run true\n")
        let result = try project.tbmake("-n", "t")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertFalse(lockDirectory.exists("l"))
    }

    /// The instances of a fan-out share its timeout: one started after it ran out is not
    /// "timed out after 0s", and each names the fan-out's timeout.
    func testLateInstancesNameTheFanOutsTimeout() throws {
        let project = try Project(targetfile: """
            host fit* = local
            load:
                foreach node in 1-3
                host $(node)
                parallel 1
                timeout 1s
                run sleep 5

            """)
        let result = try project.tbmake("--json", "-k", "load")
        XCTAssertEqual(result.status, 1, "\(result)")
        let errors = result.events().filter { $0["event"] as? String == "finished" }
            .map { "\($0["target"] as? String ?? "?"): \($0["error"] as? String ?? "-")" }
        // parallel 1: the instances run one after the other, in the order their hosts answered.
        XCTAssertEqual(errors.sorted(), [
            "load@fit01: timed out: the fan-out's 1s timeout ran out",
            "load@fit02: timed out: the fan-out's 1s timeout ran out",
            "load@fit03: timed out: the fan-out's 1s timeout ran out",
        ])
    }
}
