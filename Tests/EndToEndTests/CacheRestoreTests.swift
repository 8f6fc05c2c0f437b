import Foundation
import XCTest

/// The artifact cache through the real binary (DESIGN §1 "Constructive traces"): outputs
/// restored instead of rebuilt, byte-identical and read-only; one cache shared by two
/// projects, also by two processes at once; a corrupt object, an unwritable cache,
/// `--no-restore` and `nocache`. Recipes append to `counter` to prove whether they ran.
final class CacheRestoreTests: XCTestCase {
    /// `gen` makes an executable script, `show` runs it (both cacheable); `announce` is
    /// a side effect (no outputs).
    static let targetfile = """
        gen: src.txt
            out dist/gen.sh
            run echo gen >> counter ; cp src.txt $(out) ; chmod 755 $(out)
        show: gen
            out dist/show.txt
            run echo show >> counter ; sh dist/gen.sh > $(out)
        announce: show
            run echo announce >> counter

        """

    private func project(_ targetfile: String = CacheRestoreTests.targetfile) throws -> Project {
        let project = try Project(targetfile: targetfile)
        try project.write("src.txt", "echo hello\n")
        return project
    }

    /// Runs tbmake in `project`; `cache` is TBMAKE_CACHE (nil: unset, so `cache/` in the project).
    private func start(_ project: Project, cache: String? = nil, _ arguments: [String]) throws -> RunningTBMake {
        let environment = cache.map { ["TBMAKE_CACHE=\($0)"] } ?? ["-u", "TBMAKE_CACHE"]
        return try RunningTBMake(binary: "/usr/bin/env",
                                 arguments: environment + [try TBMakeBinary.path(), "-C", project.path] + arguments)
    }

    private func tbmake(_ project: Project, cache: String? = nil, _ arguments: String...) throws -> RunResult {
        try start(project, cache: cache, arguments).wait()
    }

    private func counter(_ project: Project) throws -> [String] {
        project.exists("counter") ? try project.read("counter").split(separator: "\n").map(String.init) : []
    }

    private func permissions(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0 else { return "missing" }
        return String(status.st_mode & 0o7777, radix: 8)
    }

    private func summary(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Int] {
        guard let summary = result.summary(file: file, line: line) else {
            XCTFail("no summary: \(result)", file: file, line: line)
            return [:]
        }
        var counts: [String: Int] = [:]
        for key in ["ran", "restored", "skipped", "failed"] { counts[key] = summary[key] as? Int }
        return counts
    }

    /// Object files under `root/objects` (`xx/<hex>`), sorted.
    private func objects(in root: String) throws -> [String] {
        let objects = root + "/objects"
        guard FileManager.default.fileExists(atPath: objects) else { return [] }
        var result: [String] = []
        for shard in try FileManager.default.contentsOfDirectory(atPath: objects) {
            for name in try FileManager.default.contentsOfDirectory(atPath: objects + "/" + shard) {
                result.append(shard + "/" + name)
            }
        }
        return result.sorted()
    }

    /// Files under `root/actions`, counted.
    private func actionCount(in root: String) throws -> Int {
        let actions = root + "/actions"
        guard FileManager.default.fileExists(atPath: actions) else { return 0 }
        return try FileManager.default.contentsOfDirectory(atPath: actions).reduce(0) {
            $0 + (try FileManager.default.contentsOfDirectory(atPath: actions + "/" + $1)).count
        }
    }

    /// Every object's content hashes to its name.
    private func assertObjectsIntact(_ root: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try objects(in: root)
        XCTAssertFalse(names.isEmpty, "no objects in \(root)", file: file, line: line)
        let digests = try sha256sum(names.map { root + "/objects/" + $0 })
        XCTAssertEqual(digests, names.map { String($0.dropFirst(3)) }, "an object's name is its sha256", file: file, line: line)
        for name in names where name.prefix(2) != name.dropFirst(3).prefix(2) {
            XCTFail("\(name) is in the wrong shard", file: file, line: line)
        }
    }

    // MARK: - Restoring

    func testRevertedInputIsRestoredWithoutRunningItsRecipe() throws {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "--json", "announce").status, 0)
        try project.write("src.txt", "echo bye\n")
        let edited = try tbmake(project, "--json", "announce")
        XCTAssertEqual(edited.decisions(), ["gen": "run: input src.txt changed",
                                            "show": "run: dependency gen produced new output",
                                            "announce": "run: dependency show produced new output"])
        XCTAssertEqual(try project.read("dist/show.txt"), "bye\n")
        try project.write("src.txt", "echo hello\n")

        let reverted = try tbmake(project, "--json", "announce")
        XCTAssertEqual(reverted.status, 0, "\(reverted)")
        XCTAssertEqual(reverted.decisions(), [
            "gen": "restore: input src.txt changed; outputs for this key are in the cache",
            "show": "restore: dependency gen produced new output; outputs for this key are in the cache",
            // Its effect is not a file: never restored, and its dependency's output changed.
            "announce": "run: dependency show produced new output",
        ])
        XCTAssertEqual(reverted.started(), ["announce"])
        XCTAssertEqual(summary(reverted), ["ran": 1, "restored": 2, "skipped": 0, "failed": 0])
        XCTAssertEqual(try counter(project), ["gen", "show", "announce", "gen", "show", "announce", "announce"])
        XCTAssertEqual(try project.read("dist/gen.sh"), "echo hello\n")
        XCTAssertEqual(try project.read("dist/show.txt"), "hello\n")

        let again = try tbmake(project, "--json", "announce")
        XCTAssertEqual(summary(again), ["ran": 0, "restored": 0, "skipped": 3, "failed": 0])
    }

    func testDeletedOutputsAreRestoredByteIdenticalAndReadOnlyWithoutRunningAnyRecipe() throws {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "announce").status, 0)
        let original = try [project.sha256(file: "dist/gen.sh"), project.sha256(file: "dist/show.txt")]
        XCTAssertEqual(permissions(project.path + "/dist/gen.sh"), "755", "the recipe's file")
        try FileManager.default.removeItem(atPath: project.path + "/dist")

        let result = try tbmake(project, "--json", "announce")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.decisions(), [
            "gen": "restore: output dist/gen.sh missing; outputs for this key are in the cache",
            "show": "restore: output dist/show.txt missing; outputs for this key are in the cache",
            "announce": "skip: up to date",
        ])
        XCTAssertEqual(result.started(), [])
        XCTAssertEqual(try counter(project), ["gen", "show", "announce"], "no recipe ran")
        XCTAssertEqual(try [project.sha256(file: "dist/gen.sh"), project.sha256(file: "dist/show.txt")], original)
        XCTAssertEqual(permissions(project.path + "/dist/gen.sh"), "555", "read-only, executable bits kept")
        XCTAssertEqual(permissions(project.path + "/dist/show.txt"), "444")
        let script = try tbmake(project, "--json", "announce")
        XCTAssertEqual(summary(script), ["ran": 0, "restored": 0, "skipped": 3, "failed": 0])
        XCTAssertEqual(try project.shell("./dist/gen.sh").stdout, "hello\n", "still executable")
    }

    func testTwoProjectsShareOneCacheThroughTheEnvironment() throws {
        let holder = try Project(targetfile: "")
        let shared = holder.path + "/shared-cache"
        let first = try project(), second = try project()
        XCTAssertEqual(try tbmake(first, cache: shared, "announce").status, 0)
        XCTAssertFalse(first.exists("cache"), "TBMAKE_CACHE replaces the project's cache/")

        let result = try tbmake(second, cache: shared, "--json", "announce")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.decisions(), [
            "gen": "restore: never ran; outputs for this key are in the cache",
            "show": "restore: never ran; outputs for this key are in the cache",
            "announce": "run: never ran",
        ])
        XCTAssertEqual(try counter(second), ["announce"])
        XCTAssertEqual(try second.read("dist/show.txt"), "hello\n")
        XCTAssertEqual(try second.sha256(file: "dist/gen.sh"), try first.sha256(file: "dist/gen.sh"))
        XCTAssertFalse(second.exists("cache"))
        try assertObjectsIntact(shared)
    }

    func testTwoProcessesWritingTheSameObjectsAtOnceBothSucceed() throws {
        // Four outputs of 10-20 MB each, the same in both projects.
        var targetfile = "all: t1 t2 t3 t4\n"
        for k in 1...4 {
            targetfile += "t\(k):\n    out out/t\(k).txt\n    run seq \(k) \(k * 600_000 + 1_000_000) > $(out)\n"
        }
        let holder = try Project(targetfile: "")
        let shared = holder.path + "/shared-cache"
        let first = try Project(targetfile: targetfile), second = try Project(targetfile: targetfile)
        let a = try start(first, cache: shared, ["--json", "-j4", "all"])
        let b = try start(second, cache: shared, ["--json", "-j4", "all"])
        let results = [try a.wait(), try b.wait()]
        for result in results {
            XCTAssertEqual(result.status, 0, "\(result)")
            XCTAssertEqual(result.finished().values.filter { $0 != "ok" }, [], "\(result)")
            let counts = summary(result)
            XCTAssertEqual((counts["ran"] ?? 0) + (counts["restored"] ?? 0), 4, "\(result)")
        }
        try assertObjectsIntact(shared)
        XCTAssertEqual(try objects(in: shared).count, 4)
        XCTAssertEqual(try actionCount(in: shared), 4)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: shared + "/tmp")) ?? []
        XCTAssertEqual(leftovers, [], "no temporary file left in the cache")
        for k in 1...4 {
            XCTAssertEqual(try second.sha256(file: "out/t\(k).txt"), try first.sha256(file: "out/t\(k).txt"))
        }
        let expected = try RunningTBMake(binary: "/bin/sh", arguments: ["-c", "seq 2 2200000 | sha256sum"]).wait()
        XCTAssertEqual(try first.sha256(file: "out/t2.txt"), String(expected.stdout.prefix(64)))
    }

    // MARK: - A cache that fails

    func testCorruptObjectIsNeverRestoredTheTargetRunsWithAWarning() throws {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "announce").status, 0)
        let digest = try project.sha256(file: "dist/gen.sh")
        let objectPath = "cache/objects/\(digest.prefix(2))/\(digest)"
        XCTAssertEqual(permissions(project.path + "/" + objectPath), "555")
        try FileManager.default.removeItem(atPath: project.path + "/dist/gen.sh")
        XCTAssertEqual(chmod(project.path + "/" + objectPath, 0o755), 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: project.path + "/" + objectPath))
        let first = try XCTUnwrap(try handle.read(upToCount: 1))
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data([first[0] ^ 0x01]))
        try handle.close()

        let result = try tbmake(project, "announce")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "tbmake: warning: cannot restore dist/gen.sh of gen from the cache "
                       + "(corrupt cache object \(digest.prefix(12)) (\(objectPath)): content does not match its name; "
                       + "removed); running it instead\n")
        XCTAssertEqual(try counter(project), ["gen", "show", "announce", "gen"], "gen ran; its output is unchanged")
        XCTAssertEqual(try project.read("dist/gen.sh"), "echo hello\n")
        XCTAssertEqual(permissions(project.path + "/dist/gen.sh"), "755", "the recipe's file, not the object")
        XCTAssertEqual(try project.sha256(file: objectPath), digest, "the good content was stored again")
        try assertObjectsIntact(project.path + "/cache")
    }

    func testUnwritableCacheWarnsOnceAndTheRunSucceeds() throws {
        let project = try project()
        try project.write("cache", "not a directory\n")

        let result = try tbmake(project, "announce")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr,
                       "tbmake: warning: not caching outputs for the rest of this run: cannot create directory cache: Not a directory\n")
        XCTAssertEqual(try counter(project), ["gen", "show", "announce"])
        XCTAssertEqual(try project.read("dist/show.txt"), "hello\n")
        XCTAssertEqual(try project.read("cache"), "not a directory\n", "no action recorded anywhere")

        let again = try tbmake(project, "--json", "announce")
        XCTAssertEqual(summary(again), ["ran": 0, "restored": 0, "skipped": 3, "failed": 0], "traces were recorded")
    }

    // MARK: - Opting out

    func testNoRestoreRunsTheRecipe() throws {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "announce").status, 0)
        try project.write("src.txt", "echo bye\n")
        XCTAssertEqual(try tbmake(project, "announce").status, 0)
        try project.write("src.txt", "echo hello\n")

        let result = try tbmake(project, "--json", "--no-restore", "announce")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.decisions(), ["gen": "run: input src.txt changed",
                                            "show": "run: dependency gen produced new output",
                                            "announce": "run: dependency show produced new output"])
        XCTAssertEqual(try counter(project).suffix(3), ["gen", "show", "announce"])
        XCTAssertEqual(try counter(project).count, 9)
        XCTAssertEqual(permissions(project.path + "/dist/gen.sh"), "755")
    }

    func testNocacheTargetLeavesNoObject() throws {
        let project = try project("""
            secret:
                out secret.txt
                nocache
                run echo secret >> counter ; echo unique-7f3a > $(out)
            gen: src.txt
                out dist/gen.sh
                run cp src.txt $(out)

            """)
        XCTAssertEqual(try tbmake(project, "secret", "gen").status, 0)
        let cache = project.path + "/cache"
        let digest = try project.sha256(file: "dist/gen.sh")
        XCTAssertEqual(try objects(in: cache), ["\(digest.prefix(2))/\(digest)"], "gen's output only")
        XCTAssertEqual(try actionCount(in: cache), 1)
        XCTAssertEqual(permissions(project.path + "/secret.txt"), "644")

        try FileManager.default.removeItem(atPath: project.path + "/secret.txt")
        let result = try tbmake(project, "--json", "secret")
        XCTAssertEqual(result.decisions(), ["secret": "run: output secret.txt missing"])
        XCTAssertEqual(try counter(project), ["secret", "secret"])
        XCTAssertEqual(try objects(in: cache).count, 1)
    }
}
