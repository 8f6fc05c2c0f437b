import Foundation
import TBTestSupport
import XCTest

/// The remote cache (`--remote-cache URL`) against a real nginx WebDAV server on
/// loopback, in Bazel's HTTP cache layout: two projects with separate local caches that
/// share only the server; a server that is corrupt, lies, refuses, fails or hangs; the
/// server stopped mid-run. Recipes append to `counter` to prove whether they ran.
final class RemoteCacheTests: XCTestCase {
    /// `gen` and `show` are cacheable; `announce` is a side effect (no outputs).
    static let targetfile = CacheRestoreTests.targetfile

    private var nginx: TestNginx!

    override func setUpWithError() throws {
        // /s401/ … /s507/ answer every request with that status.
        nginx = try TestNginx(serverConfig: [401, 403, 500, 507].map { "location /s\($0)/ { return \($0); }" }.joined(separator: "\n"))
    }

    override func tearDown() {
        nginx?.stop()
        nginx = nil
    }

    func project(_ targetfile: String = RemoteCacheTests.targetfile) throws -> Project {
        let project = try Project(targetfile: targetfile)
        try project.write("src.txt", "echo hello\n")
        return project
    }

    /// tbmake in `project` with its own local cache (`cache/`) and no remote cache from the environment.
    func tbmake(_ project: Project, _ arguments: String...) throws -> RunResult {
        try RunningTBMake(binary: "/usr/bin/env",
                          arguments: ["-u", "TBMAKE_CACHE", "-u", "TBMAKE_REMOTE_CACHE", "TBMAKE_CONFIG=/nonexistent",
                                      try TBMakeBinary.path(), "-C", project.path] + arguments).wait()
    }

    func counter(_ project: Project) throws -> [String] {
        project.exists("counter") ? try project.read("counter").split(separator: "\n").map(String.init) : []
    }

    /// Files under the server's `sub` directory (`cas`, `ac`), sorted.
    func served(_ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: nginx.root + "/tbmake/" + sub)) ?? []).sorted()
    }

    func warnings(_ result: RunResult) -> [String] {
        result.stderr.split(separator: "\n").filter { $0.hasPrefix("tbmake: warning: ") }.map(String.init)
    }

    var remote: String { nginx.url + "/tbmake" }

    func testTwoProjectsSharingOnlyTheServerRestoreEveryCacheableOutput() throws {
        let a = try project()
        let first = try tbmake(a, "--remote-cache", remote, "announce")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(try counter(a), ["gen", "show", "announce"])
        let genDigest = try a.sha256(file: "dist/gen.sh")
        let showDigest = try a.sha256(file: "dist/show.txt")
        XCTAssertEqual(served("cas"), [genDigest, showDigest].sorted(), "both outputs uploaded, by content digest")
        XCTAssertEqual(served("ac").count, 2, "one action entry per cacheable target")
        // The entry of `gen`, as bazel-remote reads it: an ActionResult in proto3 JSON.
        let entries = try served("ac").map { try String(contentsOfFile: nginx.root + "/tbmake/ac/" + $0, encoding: .utf8) }
        XCTAssertTrue(entries.contains("""
            {"outputFiles":[{"digest":{"hash":"\(genDigest)","sizeBytes":"11"},"isExecutable":true,"path":"dist\\/gen.sh"}]}
            """) || entries.contains("""
            {"outputFiles":[{"digest":{"hash":"\(genDigest)","sizeBytes":"11"},"isExecutable":true,"path":"dist/gen.sh"}]}
            """), "\(entries)")

        let b = try project()
        let second = try tbmake(b, "--remote-cache", remote, "--json", "announce")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(try counter(b), ["announce"], "only the target with effects ran")
        XCTAssertEqual(second.summary()?["restored"] as? Int, 2)
        XCTAssertEqual(try b.sha256(file: "dist/gen.sh"), genDigest)
        XCTAssertEqual(try b.sha256(file: "dist/show.txt"), showDigest)
        XCTAssertEqual(warnings(second), [])

        let stats = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache", "stats", "--cache-dir", b.path + "/cache"]).wait()
        XCTAssertTrue(stats.stdout.hasSuffix("remote (last 100 runs): 2 hits, 0 misses, 17 bytes down, 0 bytes up\n"), stats.stdout)
        let json = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache", "stats", "--json", "--cache-dir", b.path + "/cache"]).wait()
        XCTAssertTrue(json.stdout.hasSuffix(#""remote_hits":2,"remote_misses":0,"remote_bytes_down":17,"remote_bytes_up":0}"# + "\n"), json.stdout)
        let uploaded = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache", "stats", "--json", "--cache-dir", a.path + "/cache"]).wait()
        XCTAssertTrue(uploaded.stdout.hasSuffix(#""remote_hits":0,"remote_misses":2,"remote_bytes_down":0,"remote_bytes_up":17}"# + "\n"), uploaded.stdout)
    }

    func testUploadNoOnlyReads() throws {
        let a = try project()
        XCTAssertEqual(try tbmake(a, "--remote-cache", remote, "--remote-upload=no", "show").status, 0)
        XCTAssertEqual(served("cas"), [])
        XCTAssertEqual(served("ac"), [])
        try a.write("tbmake.conf", "[cache]\nremote = \(remote)\nupload = no\n")
        let configured = try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "-u", "TBMAKE_REMOTE_CACHE", "TBMAKE_CONFIG=\(a.path)/tbmake.conf", try TBMakeBinary.path(), "-C", a.path, "-B", "show",
        ]).wait()
        XCTAssertEqual(configured.status, 0, "\(configured)")
        XCTAssertEqual(served("cas"), [], "upload = no in tbmake.conf")
    }

    func testTheEnvironmentAndTheConfigNameTheRemoteCache() throws {
        let a = try project()
        let fromEnvironment = try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "-u", "TBMAKE_CACHE", "TBMAKE_CONFIG=/nonexistent", "TBMAKE_REMOTE_CACHE=\(remote)", try TBMakeBinary.path(), "-C", a.path, "gen",
        ]).wait()
        XCTAssertEqual(fromEnvironment.status, 0, "\(fromEnvironment)")
        XCTAssertEqual(served("cas").count, 1)
        let b = try project()
        try b.write("tbmake.conf", "[cache]\nremote = \(remote)\n")
        let fromConfig = try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "-u", "TBMAKE_CACHE", "-u", "TBMAKE_REMOTE_CACHE", "TBMAKE_CONFIG=\(b.path)/tbmake.conf", try TBMakeBinary.path(), "-C", b.path, "gen",
        ]).wait()
        XCTAssertEqual(fromConfig.status, 0, "\(fromConfig)")
        XCTAssertEqual(try counter(b), [], "restored through [cache] remote")
    }

    func testACorruptBlobOnTheServerIsDetectedAndNeverRestored() throws {
        let a = try project()
        XCTAssertEqual(try tbmake(a, "--remote-cache", remote, "gen").status, 0)
        let digest = try a.sha256(file: "dist/gen.sh")
        try "echo evil\n".write(toFile: nginx.root + "/tbmake/cas/" + digest, atomically: false, encoding: .utf8)

        let b = try project()
        let result = try tbmake(b, "--remote-cache", remote, "gen")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(warnings(result).count, 1, "\(result)")
        XCTAssertTrue(warnings(result)[0].contains("remote object cas/\(digest) is corrupt"), "\(result)")
        XCTAssertEqual(try counter(b), ["gen"], "the target ran")
        XCTAssertEqual(try b.read("dist/gen.sh"), "echo hello\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: b.path + "/cache/objects/\(digest.prefix(2))/\(digest)")
                       && (try? String(contentsOfFile: b.path + "/cache/objects/\(digest.prefix(2))/\(digest)", encoding: .utf8)) == "echo evil\n")
    }

    func testAnActionEntryNamingOtherPathsIsNeverRestored() throws {
        let a = try project()
        XCTAssertEqual(try tbmake(a, "--remote-cache", remote, "gen").status, 0)
        let digest = try a.sha256(file: "dist/gen.sh")
        let entry = nginx.root + "/tbmake/ac/" + served("ac")[0]
        // A path outside the project: rejected with a warning, never written.
        try """
            {"outputFiles":[{"path":"../escaped.sh","digest":{"hash":"\(digest)","sizeBytes":"11"},"isExecutable":true}]}
            """.write(toFile: entry, atomically: false, encoding: .utf8)
        let b = try project()
        let unsafe = try tbmake(b, "--remote-cache", remote, "gen")
        XCTAssertEqual(unsafe.status, 0, "\(unsafe)")
        XCTAssertEqual(warnings(unsafe).count, 1, "\(unsafe)")
        XCTAssertTrue(warnings(unsafe)[0].contains("names the unsafe path '../escaped.sh'"), "\(unsafe)")
        XCTAssertEqual(try counter(b), ["gen"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: b.path + "/../escaped.sh"))

        // A path the Targetfile does not declare for the target: a miss, the target runs.
        try """
            {"outputFiles":[{"path":"dist/other.sh","digest":{"hash":"\(digest)","sizeBytes":"11"},"isExecutable":true}]}
            """.write(toFile: entry, atomically: false, encoding: .utf8)
        let c = try project()
        let undeclared = try tbmake(c, "--remote-cache", remote, "gen")
        XCTAssertEqual(undeclared.status, 0, "\(undeclared)")
        XCTAssertEqual(try counter(c), ["gen"])
        XCTAssertFalse(c.exists("dist/other.sh"))
    }

    func testHelpNamesTheOptionsAndBadValuesAreUsageErrors() throws {
        let a = try project()
        let help = try tbmake(a, "--help")
        for option in ["--remote-cache <URL>", "--remote-upload <yes|no>", "--remote-timeout <DURATION>",
                       "--remote-cacert <FILE>", "--remote-header <'NAME: VALUE'>", "--wait-lock <DURATION>"] {
            XCTAssertTrue(help.stdout.contains(option), "--help does not mention \(option): \(help)")
        }
        let cases: [([String], String)] = [
            (["--remote-cache", "ftp://alice:pw@host/c"], "tbmake: remote cache ftp://alice:***@host/c: expected an http:// or https:// URL\n"),
            (["--remote-cache", remote, "--remote-upload=maybe"], "tbmake: remote upload 'maybe': expected yes or no\n"),
            (["--remote-cache", remote, "--remote-timeout", "soon"], "tbmake: remote timeout 'soon' is not a duration (30s, 2m)\n"),
            (["--remote-cache", remote, "--remote-header", "t0ken"], "tbmake: --remote-header needs 'Name: value'\n"),
        ]
        for (arguments, message) in cases {
            let result = try RunningTBMake(binary: "/usr/bin/env", arguments: [
                "TBMAKE_CONFIG=/nonexistent", try TBMakeBinary.path(), "-C", a.path] + arguments + ["gen"]).wait()
            XCTAssertEqual(result.status, 2, "\(arguments): \(result)")
            XCTAssertEqual(result.stderr, message, "\(arguments)")
        }
        try a.write("tbmake.conf", "[cache]\nremotes = \(remote)\n")
        let config = try RunningTBMake(binary: "/usr/bin/env", arguments: [
            "TBMAKE_CONFIG=\(a.path)/tbmake.conf", try TBMakeBinary.path(), "-C", a.path, "gen"]).wait()
        XCTAssertEqual(config.stderr, "tbmake: tbmake.conf: unknown key 'remotes' in [cache] (expected remote, upload, timeout or cacert)\n")
        XCTAssertEqual(try counter(a), [], "nothing ran")
    }

    // MARK: - Faults never fail a build

    /// The whole pipeline runs as without a remote cache, with exactly one warning.
    func assertRunsWithOneWarning(_ result: RunResult, _ project: Project, containing text: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertEqual(try counter(project), ["gen", "show", "announce"], file: file, line: line)
        XCTAssertEqual(warnings(result).count, 1, "\(result)", file: file, line: line)
        XCTAssertTrue(warnings(result).first?.contains(text) == true, "\(result)", file: file, line: line)
        XCTAssertTrue(warnings(result).first?.hasSuffix("; using the local cache only for the rest of this run") == true,
                      "\(result)", file: file, line: line)
    }

    func testErrorAnswersGiveOneWarningAndTheBuildCompletes() throws {
        for status in [401, 403, 500, 507] {
            let a = try project()
            let result = try tbmake(a, "--remote-cache", nginx.url + "/s\(status)/cache", "announce")
            try assertRunsWithOneWarning(result, a, containing: "answered \(status)")
        }
        let log = try String(contentsOfFile: nginx.directory + "/access.log", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("/s500/") }.count, 3, "a 500 is tried 3 times")
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("/s507/") }.count, 1, "a 507 is not retried")
    }

    func testAServerThatNeverAnswersTimesOut() throws {
        // Accepts connections and never answers.
        let port = try TestProcess.freePort()
        let silent = try TestProcess.spawn("/usr/bin/python3", ["-c", """
            import socket, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(50)
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """], output: "/dev/null", append: false)
        defer { kill(silent, SIGKILL); var status: Int32 = 0; waitpid(silent, &status, 0) }
        while !TestProcess.accepts(port: port) { usleep(10_000) }
        let a = try project()
        let start = Date()
        let result = try tbmake(a, "--remote-cache", "http://127.0.0.1:\(port)/cache", "--remote-timeout", "1s", "announce")
        try assertRunsWithOneWarning(result, a, containing: "timed out")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "one timeout, then the local cache alone")
    }

    func testAServerThatIsDownGivesOneWarning() throws {
        nginx.stop()
        let a = try project()
        try assertRunsWithOneWarning(try tbmake(a, "--remote-cache", remote, "announce"), a, containing: "Couldn't connect")
    }

    func testTheServerStoppedMidRunGivesOneWarningAndTheBuildCompletes() throws {
        // `gen` waits, after it started, until the test has stopped the server.
        let a = try project("""
            gen: src.txt
                out dist/gen.sh
                run echo gen >> counter ; touch started ; while [ ! -e resume ]; do sleep 0.05; done ; cp src.txt $(out)
            show: gen
                out dist/show.txt
                run echo show >> counter ; sh dist/gen.sh > $(out)
            announce: show
                run echo announce >> counter

            """)
        let running = try a.start(["--remote-cache", remote, "announce"])
        while !a.exists("started") { usleep(20_000) }
        nginx.stop()
        try a.write("resume", "")
        let result = try running.wait()
        try assertRunsWithOneWarning(result, a, containing: "Couldn't connect")
        XCTAssertEqual(try a.read("dist/show.txt"), "hello\n")
    }

    func testCredentialsNeverAppearInOutput() throws {
        let a = try project()
        let human = try tbmake(a, "--remote-cache", nginx.url.replacing("://", with: "://alice:s3cr3t@") + "/s401/cache",
                               "--remote-header", "Authorization: Bearer t0ken", "announce")
        try assertRunsWithOneWarning(human, a, containing: "alice:***@127.0.0.1")
        let b = try project()
        let json = try tbmake(b, "--json", "--remote-cache", nginx.url.replacing("://", with: "://alice:s3cr3t@") + "/s403/cache",
                              "--remote-header", "Authorization: Bearer t0ken", "announce")
        XCTAssertEqual(json.status, 0)
        for text in [human.stdout, human.stderr, json.stdout, json.stderr, try a.read(".tbmake/log"), try b.read(".tbmake/log")] {
            XCTAssertFalse(text.contains("s3cr3t"), text)
            XCTAssertFalse(text.contains("t0ken"), text)
        }
        XCTAssertTrue(json.stdout.contains("alice:***@"), json.stdout)
    }
}

/// A large output through the remote cache: uploaded and downloaded streamed, so the
/// memory tbmake uses does not grow with the file (200 MiB here; bench/remote-cache
/// measures 1 GiB).
final class RemoteCacheLargeOutputTests: XCTestCase {
    func testA200MiBOutputGoesUpAndComesDownWithFlatMemory() throws {
        let nginx = try TestNginx()
        defer { nginx.stop() }
        let targetfile = """
            big:
                out dist/big.bin
                run echo big >> counter ; head -c 209715200 /dev/urandom > $(out)

            """
        // Max resident set of one tbmake run, in KiB, by GNU time.
        func run(_ project: Project) throws -> (RunResult, Int) {
            let result = try RunningTBMake(binary: "/usr/bin/env", arguments: [
                "-u", "TBMAKE_CACHE", "-u", "TBMAKE_REMOTE_CACHE", "TBMAKE_CONFIG=/nonexistent",
                "/usr/bin/time", "-f", "maxrss=%M", try TBMakeBinary.path(), "-C", project.path,
                "--remote-cache", nginx.url + "/tbmake", "big",
            ]).wait()
            let line = result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss=") }
            return (result, Int(line?.dropFirst("maxrss=".count) ?? "") ?? -1)
        }
        let a = try Project(targetfile: targetfile)
        let (upload, uploadRSS) = try run(a)
        XCTAssertEqual(upload.status, 0, "\(upload)")
        let digest = try a.sha256(file: "dist/big.bin")
        XCTAssertEqual(try sha256sum([nginx.root + "/tbmake/cas/" + digest]), [digest], "uploaded whole")

        let b = try Project(targetfile: targetfile)
        let (download, downloadRSS) = try run(b)
        XCTAssertEqual(download.status, 0, "\(download)")
        XCTAssertFalse(b.exists("counter"), "restored, not run")
        XCTAssertEqual(try b.sha256(file: "dist/big.bin"), digest)
        // tbmake itself needs ~20-30 MiB; a file held in memory would add 200.
        XCTAssertGreaterThan(uploadRSS, 0)
        XCTAssertLessThan(uploadRSS, 80 * 1024, "upload: max RSS \(uploadRSS) KiB")
        XCTAssertLessThan(downloadRSS, 80 * 1024, "download: max RSS \(downloadRSS) KiB")
    }
}
