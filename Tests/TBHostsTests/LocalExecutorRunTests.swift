import Foundation
import TBEngine
import TBHosts
import XCTest

final class LocalExecutorRunTests: XCTestCase {
    private var project: TemporaryDirectory!
    private var executor: LocalExecutor!

    override func setUpWithError() throws {
        project = try TemporaryDirectory()
        executor = LocalExecutor(hostName: "local", projectDirectory: project.path, sandboxed: false)
    }

    override func tearDown() {
        executor = nil
        project = nil
    }

    private func run(_ command: String, environment: [String: String] = [:],
                     deadline: ContinuousClock.Instant? = nil) throws -> (status: Int32, output: CapturingSink) {
        let sink = CapturingSink()
        let status = try executor.run(command: command, environment: environment, deadline: deadline, output: sink)
        return (status, sink)
    }

    func testCapturesStdoutAndStderrInOrder() throws {
        let (status, output) = try run(#"printf 'a\nb\n'; printf 'err\n' >&2"#)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.data, Array("a\nb\nerr\n".utf8))
    }

    func testReturnsExitStatus() throws {
        XCTAssertEqual(try run("exit 3").status, 3)
    }

    func testSignalledShellReports128PlusSignal() throws {
        XCTAssertEqual(try run("kill -9 $$").status, 128 + 9)
    }

    func testEnvironmentIsInheritedAndOverridden() throws {
        setenv("TBHOSTS_INHERITED", "from-parent", 1)
        setenv("TBHOSTS_OVERRIDDEN", "parent-value", 1)
        defer { unsetenv("TBHOSTS_INHERITED"); unsetenv("TBHOSTS_OVERRIDDEN") }
        let (_, output) = try run(
            #"printf '%s|%s|%s' "$TBHOSTS_INHERITED" "$TBHOSTS_OVERRIDDEN" "$TBHOSTS_NEW""#,
            environment: ["TBHOSTS_OVERRIDDEN": "recipe value", "TBHOSTS_NEW": "a=b"])
        XCTAssertEqual(output.text, "from-parent|recipe value|a=b")
    }

    func testWorkingDirectoryIsTheProjectDirectory() throws {
        try project.write("marker.txt", "here")
        let (_, output) = try run("pwd -P; cat marker.txt")
        XCTAssertEqual(output.text, project.path + "\nhere")
    }

    func testStandardInputIsDevNull() throws {
        let (status, output) = try run("cat; echo end")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.text, "end\n")
    }

    func testCommandRunsInItsOwnProcessGroup() throws {
        let (_, output) = try run("ps -o pgid= -p $$ | tr -d ' '; echo $$")
        let lines = output.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.first, lines.last)
        XCTAssertNotEqual(lines.first.map(String.init), String(getpgrp()))
    }

    func testStreamsLargeOutputCompletely() throws {
        let (status, output) = try run("head -c 3000000 /dev/zero; echo tail >&2")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.data.count, 3_000_005)
        XCTAssertEqual(Array(output.data.suffix(5)), Array("tail\n".utf8))
    }

    func testTimeoutKillsTheWholeProcessGroup() throws {
        let start = ContinuousClock.now
        let sink = CapturingSink()
        XCTAssertThrowsError(try executor.run(
            command: "echo $$; sh -c 'sleep 30 & sleep 30'", environment: [:],
            deadline: start + .milliseconds(500), output: sink)
        ) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 0.5))
            XCTAssertEqual("\(error)", "timed out after 0.5s")
        }
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(500))
        XCTAssertLessThan(elapsed, .milliseconds(2000), "SIGTERM alone should have ended the group")
        let pgid = try XCTUnwrap(Int32(sink.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(liveProcesses(inGroup: pgid), [])
    }

    func testTimeoutEscalatesToSigkillWhenSigtermIsIgnored() throws {
        let start = ContinuousClock.now
        let sink = CapturingSink()
        XCTAssertThrowsError(try executor.run(
            command: "trap '' TERM; echo $$; while :; do sleep 0.05; done", environment: [:],
            deadline: start + .milliseconds(300), output: sink)
        ) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 0.3))
        }
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(2300))
        XCTAssertLessThan(elapsed, .milliseconds(4000))
        let pgid = try XCTUnwrap(Int32(sink.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(liveProcesses(inGroup: pgid), [])
    }

    func testDeadlineAlreadyPassedRunsNothing() throws {
        XCTAssertThrowsError(try run("touch ran", deadline: .now - .seconds(1))) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 0))
        }
        XCTAssertFalse(exists(project.path + "/ran"))
    }

    func testBackgroundChildHoldingThePipeDoesNotHangTheRun() throws {
        let start = ContinuousClock.now
        let (status, output) = try run("echo $$; sleep 20 & echo started")
        let elapsed = ContinuousClock.now - start
        let lines = output.text.split(separator: "\n")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(lines.last, "started")
        XCTAssertLessThan(elapsed, .milliseconds(1800))
        if let pgid = lines.first.flatMap({ Int32($0) }) { kill(-pgid, SIGKILL) }
    }

    func testOutputOfBackgroundChildWithinTheGracePeriodIsKept() throws {
        let (status, output) = try run("(sleep 0.2; echo late) & echo early")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.text, "early\nlate\n")
    }

    func testConcurrentRunsKeepTheirOwnOutput() throws {
        let executor = self.executor!
        let sinks = (0..<4).map { _ in CapturingSink() }
        let statuses = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 4)
        defer { statuses.deallocate() }
        statuses.initialize(repeating: -1)
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let command = "for i in 1 2 3 4 5; do echo run\(index)-$i; sleep 0.05; done; exit \(index)"
            statuses[index] = (try? executor.run(command: command, environment: [:], deadline: nil,
                                                 output: sinks[index])) ?? -2
        }
        let elapsed = ContinuousClock.now - start
        for index in 0..<4 {
            XCTAssertEqual(statuses[index], Int32(index))
            XCTAssertEqual(sinks[index].text, (1...5).map { "run\(index)-\($0)\n" }.joined())
        }
        XCTAssertLessThan(elapsed, .milliseconds(1000), "the four runs should overlap (serially they take over 1 s)")
    }

    func testSandboxRunCreatesTheSandboxAndExposesRoot() throws {
        let sandbox = LocalExecutor(hostName: "dev2", projectDirectory: project.path, sandboxed: true)
        let root = try XCTUnwrap(sandbox.variables["root"])
        XCTAssertEqual(root, project.path + "/.tbmake/hosts/dev2")
        let sink = CapturingSink()
        let status = try sandbox.run(command: "pwd -P; test -d '\(root)' && echo sandbox",
                                     environment: [:], deadline: nil, output: sink)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(sink.text, project.path + "\nsandbox\n")
    }
}
