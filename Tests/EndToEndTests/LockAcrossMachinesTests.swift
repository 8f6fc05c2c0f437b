import Foundation
import TBTestSupport
import XCTest

/// `lock URL`: a WebDAV lock on a real nginx (dav-ext, lock timeout 3 s) shared by two
/// projects standing for two machines. `hold` waits, after it started, until the test
/// creates `resume` in its project.
final class LockAcrossMachinesTests: XCTestCase {
    private var nginx: TestNginx!

    override func setUpWithError() throws {
        nginx = try TestNginx(lockTimeout: 3)
        try FileManager.default.createDirectory(atPath: nginx.root + "/locks", withIntermediateDirectories: true)
    }

    override func tearDown() {
        nginx?.stop()
        nginx = nil
    }

    private var lockURL: String { nginx.url + "/locks/autobuild" }

    private func machine() throws -> Project {
        try Project(targetfile: """
            lock \(lockURL)
            hold:
                run echo hold >> counter ; echo $$$$ > hold.pid ; touch started ; while [ ! -e resume ]; do sleep 0.05; done
            after: hold
                run echo after >> counter
            fail:
                run exit 3

            """)
    }

    private func start(_ project: Project, _ arguments: String...) throws -> RunningTBMake {
        try RunningTBMake(binary: "/usr/bin/env", arguments: ["TBMAKE_CONFIG=/nonexistent", try TBMakeBinary.path(), "-C", project.path] + arguments)
    }

    private func waitUntilStarted(_ project: Project) {
        _ = waitUntil("the recipe of hold runs") { project.exists("started") }
    }

    private func counter(_ project: Project) throws -> [String] {
        project.exists("counter") ? try project.read("counter").split(separator: "\n").map(String.init) : []
    }

    /// B, started with `--wait-lock` while `first` (in A) holds the lock in `hold`, waits,
    /// saying who holds it, and runs once A finished.
    private func assertQueues(_ b: Project, behind first: RunningTBMake, of a: Project, lock: String, holder: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let queued = try start(b, "--wait-lock", "30s", "hold")
        try b.write("resume", "")
        usleep(1_500_000)
        XCTAssertEqual(try counter(b), [], "waits while A holds the lock", file: file, line: line)
        try a.write("resume", "")
        XCTAssertEqual(try first.wait().status, 0, file: file, line: line)
        let second = try queued.wait()
        XCTAssertEqual(second.status, 0, "\(second)", file: file, line: line)
        XCTAssertEqual(second.stderr, "tbmake: waiting for the lock \(lock), held by \(holder)\n", file: file, line: line)
        XCTAssertEqual(try counter(b), ["hold"], file: file, line: line)
    }

    private func holderText(_ pid: Int32) -> String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        return "\(user)@\(ProcessInfo.processInfo.hostName) pid \(pid)"
    }

    func testASecondRunFailsAtOnceNamingTheHolderAndWithWaitLockRunsAfter() throws {
        let a = try machine()
        let first = try start(a, "after")
        waitUntilStarted(a)

        let b = try machine()
        let refused = try start(b, "after").wait()
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderr, "tbmake: the pipeline is already running: \(lockURL) is locked by "
                       + "\(holderText(first.process.processIdentifier)) (Targetfile:1:6)\n")
        XCTAssertEqual(try counter(b), [])

        try assertQueues(b, behind: first, of: a, lock: lockURL, holder: holderText(first.process.processIdentifier))
        XCTAssertFalse(FileManager.default.fileExists(atPath: nginx.root + "/locks/autobuild"), "released: holder text removed")
    }

    func testTheLockIsReleasedAfterAFailureAndAfterCtrlC() throws {
        let a = try machine()
        XCTAssertEqual(try start(a, "fail").wait().status, 1)
        let interrupted = try start(a, "hold")
        waitUntilStarted(a)
        kill(interrupted.process.processIdentifier, SIGINT)
        XCTAssertEqual(try interrupted.wait().status, 130)

        let b = try machine()
        try b.write("resume", "")
        let next = try start(b, "hold").wait()
        XCTAssertEqual(next.status, 0, "unlocked at once: \(next)")
    }

    func testAKilledHoldersLockExpiresWithTheServersTimeout() throws {
        let a = try machine()
        let killed = try start(a, "hold")
        waitUntilStarted(a)
        kill(killed.process.processIdentifier, SIGKILL)
        // The recipe has its own process group, which outlives tbmake: end it too
        // (before waiting: Foundation's Process waits for descriptors it inherited).
        if let group = Int32(try a.read("hold.pid").trimmingCharacters(in: .whitespacesAndNewlines)) { kill(-group, SIGKILL) }
        XCTAssertEqual(try killed.wait().status, 128 + SIGKILL)

        let b = try machine()
        try b.write("resume", "")
        XCTAssertEqual(try start(b, "hold").wait().status, 1, "still held: the server's timeout has not passed")
        let begin = Date()
        let next = try start(b, "--wait-lock", "20s", "hold").wait()
        XCTAssertEqual(next.status, 0, "\(next)")
        XCTAssertLessThan(Date().timeIntervalSince(begin), 8, "expired after the 3 s timeout")
        XCTAssertEqual(try counter(b), ["hold"])
    }

    func testALostLockStartsNoNewRecipeAndFailsTheRun() throws {
        let a = try machine()
        let running = try start(a, "after")
        waitUntilStarted(a)
        nginx.stop()
        usleep(2_500_000)   // a refresh (every second) has failed
        try a.write("resume", "")
        let result = try running.wait()
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertEqual(try counter(a), ["hold"], "the running recipe finished; none started after")
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("tbmake: lost the lock \(lockURL) (the refresh failed: "), "\(result)")
        XCTAssertTrue(last.hasSuffix("Couldn't connect to server): no recipe step started after that; the run failed"), "\(result)")
    }

    func testWaitLockQueuesForALockPathToo() throws {
        let shared = nginx.directory + "/pipeline.lock"
        let targetfile = """
            lock \(shared)
            hold:
                run echo hold >> counter ; touch started ; while [ ! -e resume ]; do sleep 0.05; done

            """
        let a = try Project(targetfile: targetfile)
        let first = try start(a, "hold")
        waitUntilStarted(a)
        try assertQueues(try Project(targetfile: targetfile), behind: first, of: a, lock: shared,
                         holder: "process \(first.process.processIdentifier)")
    }
}
