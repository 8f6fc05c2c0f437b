import Foundation
import TBTestSupport
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
        // A watcher in the group records the SIGTERM it gets and how its child ended;
        // the group then winds down by itself, without needing SIGKILL.
        let watcher = #"trap 'echo watcher got TERM >> events' TERM; sleep 30 & child=$!; echo watching >> events; "#
            + #"wait $child; echo "sleep ended with status $?" >> events"#
        let sink = CapturingSink()
        XCTAssertThrowsError(try executor.run(
            command: "echo $$; sh -c '\(watcher.replacingOccurrences(of: "'", with: #"'\''"#))' & sleep 30",
            environment: [:], deadline: .now + .milliseconds(1500), output: sink)
        ) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 1.5))
            XCTAssertEqual("\(error)", "timed out after 1.5s")
        }
        // The first line is the pid (a shell may report its killed jobs after it).
        let pgid = try XCTUnwrap(sink.text.split(separator: "\n").first.flatMap { Int32($0) }, sink.text)
        XCTAssertEqual(TestProcess.live(inGroup: pgid), [], "the whole group is gone when run returns")
        XCTAssertEqual(try readText(project.path + "/events"),
                       "watching\nwatcher got TERM\nsleep ended with status \(128 + SIGTERM)\n",
                       "the group got SIGTERM first, and SIGTERM alone ended it")
    }

    func testTimeoutEscalatesToSigkillWhenSigtermIsIgnored() throws {
        // The shell survives SIGTERM (its handler only records it) and loops forever:
        // only SIGKILL can end it, so a group found empty proves the escalation.
        let sink = CapturingSink()
        XCTAssertThrowsError(try executor.run(
            command: "trap 'echo TERM survived >> events' TERM; echo $$; while :; do sleep 0.05; done",
            environment: [:], deadline: .now + .milliseconds(300), output: sink)
        ) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 0.3))
        }
        // First line: the pid; then the shell's own report of its killed sleep.
        let pgid = try XCTUnwrap(sink.text.split(separator: "\n").first.flatMap { Int32($0) }, sink.text)
        XCTAssertEqual(TestProcess.live(inGroup: pgid), [])
        let events = try readText(project.path + "/events")
        XCTAssertTrue(events.hasPrefix("TERM survived\n"), "SIGTERM came first: \(events)")
    }

    func testDeadlineAlreadyPassedRunsNothing() throws {
        XCTAssertThrowsError(try run("touch ran", deadline: .now - .seconds(1))) { error in
            XCTAssertEqual(error as? ExecutorError, .timedOut(seconds: 0))
        }
        XCTAssertFalse(exists(project.path + "/ran"))
    }

    func testBackgroundChildHoldingThePipeDoesNotHangTheRun() throws {
        let (status, output) = try run("echo $$; sleep 300 & echo started")
        let lines = output.text.split(separator: "\n")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(lines.last, "started")
        let pgid = try XCTUnwrap(lines.first.flatMap { Int32($0) })
        // The background sleep still holds the pipe: run returned without waiting for it.
        XCTAssertFalse(TestProcess.live(inGroup: pgid).isEmpty, "run returned while the pipe was still held open")
        XCTAssertEqual(kill(-pgid, SIGKILL), 0)
    }

    func testOutputOfBackgroundChildWithinTheGracePeriodIsKept() throws {
        let (status, output) = try run("(sleep 0.2; echo late) & echo early")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.text, "early\nlate\n")
    }

    func testConcurrentRunsKeepTheirOwnOutput() throws {
        // Each run announces itself and waits until all four have: they can only finish
        // if they run at the same time (serially, the first one would wait for ever; the
        // bound of 6000 checks only keeps a broken executor from hanging the suite).
        let executor = self.executor!
        let count = 4
        let sinks = (0..<count).map { _ in CapturingSink() }
        let statuses = Statuses(count: count)
        let all = (0..<count).map { "[ -e arrived-\($0) ]" }.joined(separator: " && ")
        let done = DispatchGroup()
        for index in 0..<count {
            done.enter()
            let command = "echo run\(index)-1; : > arrived-\(index); n=0; "
                + "until \(all); do n=$((n+1)); [ $n -lt 6000 ] || exit 100; sleep 0.01; done; "
                + "for i in 2 3 4 5; do echo run\(index)-$i; done; exit \(index)"
            Thread {
                statuses.set(index, (try? executor.run(command: command, environment: [:], deadline: nil,
                                                       output: sinks[index])) ?? -2)
                done.leave()
            }.start()
        }
        done.wait()
        for index in 0..<count {
            XCTAssertEqual(statuses.get(index), Int32(index), "run \(index) (100: the runs did not overlap)")
            XCTAssertEqual(sinks[index].text, (1...5).map { "run\(index)-\($0)\n" }.joined())
        }
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

/// Exit statuses written from several threads.
private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int32]

    init(count: Int) { values = Array(repeating: -1, count: count) }

    func set(_ index: Int, _ value: Int32) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        return values[index]
    }
}
