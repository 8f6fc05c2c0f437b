import Foundation
import TBTestSupport
import XCTest

/// tbmake killed alone (issue 10), in the middle of a `run sleep 30` recipe: SIGTERM
/// and SIGHUP stop the recipe as Ctrl-C does and exit 128 + the signal, on local and
/// ssh hosts; after SIGKILL, which tbmake cannot catch, a local recipe is stopped all
/// the same. In every case the recipe's processes are gone and it recorded nothing.
final class TerminationTests: XCTestCase {
    private var project: Project!

    override func setUpWithError() throws {
        project = try Project(targetfile: """
            slow:
                out slow.out
                run sleep 30
                run echo done > slow.out

            """)
    }

    override func tearDown() {
        project = nil
    }

    /// Starts `tbmake slow`, waits for its `sleep 30`, sends `signal` to tbmake alone,
    /// and returns how tbmake ended once the recipe's process group has no live member
    /// left. Fails (rather than hang) if either outlives the guard.
    private func killDuringTheRecipe(with signal: Int32, file: StaticString = #filePath,
                                     line: UInt = #line) throws -> RunResult? {
        let running = try project.start(["slow"])
        var group: pid_t = 0
        defer {
            if group > 0 { kill(-group, SIGKILL) }
            if running.process.isRunning { kill(running.pid, SIGKILL) }
        }
        let sleeping = waitUntil("the recipe's sleep runs", file: file, line: line) {
            guard let sleep = TestProcess.descendants(of: running.pid).first(where: {
                TestProcess.commandName($0) == "sleep"
            }) else { return false }
            group = getpgid(sleep)
            return group > 0
        }
        guard sleeping else { return nil }
        XCTAssertNotEqual(group, getpgid(running.pid), "the recipe runs in a process group of its own",
                          file: file, line: line)

        XCTAssertEqual(kill(running.pid, signal), 0, file: file, line: line)
        guard waitUntil("tbmake ends", limit: 20, file: file, line: line, { !running.process.isRunning }) else {
            return nil
        }
        let result = try running.wait()
        let stopped = waitUntil("the recipe's processes are gone", limit: 20, file: file, line: line) {
            TestProcess.live(inGroup: group).isEmpty
        }
        if stopped { group = 0 }
        XCTAssertFalse(project.exists("slow.out"), "the recipe never finished", file: file, line: line)
        return result
    }

    func testSIGTERMStopsTheRecipeAndExits143() throws {
        guard let result = try killDuringTheRecipe(with: SIGTERM) else { return }
        XCTAssertEqual(result.status, 143, "\(result)")
        XCTAssertEqual(result.stderr, "\ntbmake: terminated by signal 15; stopped 1 running recipe, which recorded nothing\n")
    }

    func testSIGHUPStopsTheRecipeAndExits129() throws {
        guard let result = try killDuringTheRecipe(with: SIGHUP) else { return }
        XCTAssertEqual(result.status, 129, "\(result)")
        XCTAssertEqual(result.stderr, "\ntbmake: terminated by signal 1; stopped 1 running recipe, which recorded nothing\n")
    }

    /// tbmake cannot catch SIGKILL: its watchdog, which sees it gone, stops the recipe.
    func testSIGKILLStillStopsTheRecipe() throws {
        guard let result = try killDuringTheRecipe(with: SIGKILL) else { return }
        XCTAssertEqual(result.status, 128 + SIGKILL, "\(result)")
        let after = try project.tbmake("--json", "-n", "slow")
        XCTAssertEqual(after.decisions(), ["slow": "run: never ran"])
    }

    /// A recipe on an ssh host is stopped too (closing the connection would leave it
    /// running: sshd does not signal a command that has no terminal).
    func testSIGTERMStopsARecipeOnAnSSHHost() throws {
        let hosts = try LoopbackHosts(["dev2"])
        try project.write("Targetfile", """
            host dev2 = ssh dev2box root=\(hosts.directory)/dev2
            slow:
                host dev2
                run echo $$$$ > $(root)/group; sleep 30; echo done > $(root)/done

            """)
        let running = try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "-u", "SSH_AUTH_SOCK", try TBMakeBinary.path(), "-C", project.path, "--ssh-config", hosts.sshConfig, "slow"])
        var group: pid_t = 0
        defer {
            if group > 0 { kill(-group, SIGKILL) }
            if running.process.isRunning { kill(running.pid, SIGKILL) }
        }
        // The remote shell prints its pid, its process group, into the file.
        guard waitUntil("the remote recipe runs", { () -> Bool in
            guard let text = try? String(contentsOfFile: hosts.directory + "/dev2/group", encoding: .utf8),
                  text.hasSuffix("\n"), let pid = Int32(text.dropLast()) else { return false }
            group = pid
            return !TestProcess.live(inGroup: pid).isEmpty
        }) else { return }

        XCTAssertEqual(kill(running.pid, SIGTERM), 0)
        guard waitUntil("tbmake ends", limit: 20, { !running.process.isRunning }) else { return }
        let result = try running.wait()
        XCTAssertEqual(result.status, 143, "\(result)")
        XCTAssertEqual(result.stderr, "\ntbmake: terminated by signal 15; stopped 1 running recipe, which recorded nothing\n")
        // tbmake waited for the stop: nothing of the group is left by the time it exits.
        XCTAssertEqual(TestProcess.live(inGroup: group), [])
        group = 0
        XCTAssertFalse(FileManager.default.fileExists(atPath: hosts.directory + "/dev2/done"))
    }

    /// A recipe deaf to SIGTERM (its `sleep` inherits the ignored signal) gets SIGKILL.
    func testSIGKILLStopsARecipeThatIgnoresSIGTERM() throws {
        try project.write("Targetfile", """
            slow:
                out slow.out
                run trap '' TERM; sleep 30
                run echo done > slow.out

            """)
        guard let result = try killDuringTheRecipe(with: SIGKILL) else { return }
        XCTAssertEqual(result.status, 128 + SIGKILL, "\(result)")
    }
}
