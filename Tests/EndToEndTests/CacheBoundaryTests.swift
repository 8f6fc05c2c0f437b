import Foundation
import XCTest

/// The artifact cache at its edges (issue 10, items 8–11), through the real binary: a
/// FIFO in place of an object, an edit through a restored hard link with its mtime put
/// back, a recipe that writes its restored output by name (as another user, and as root
/// with a shared cache), and cache metadata that someone else can write.
final class CacheBoundaryTests: XCTestCase {
    /// `a` writes its output by name, as the docs accept; `counter` proves it ran.
    private static let targetfile = """
        a: in.c
            out a.o
            run echo a >> counter ; tr a-z A-Z < in.c > a.o

        """

    private func project(cache: String? = nil) throws -> Project {
        let project = try Project(targetfile: CacheBoundaryTests.targetfile)
        try project.write("in.c", "int main;\n")
        return project
    }

    /// `tbmake -C project ARGUMENTS...` with TBMAKE_CACHE=`cache` (nil: unset), as `user`
    /// (nil: this user), killed if it takes more than 60 s (a hang is a failure, not a wait).
    private func tbmake(_ project: Project, cache: String? = nil, user: uid_t? = nil,
                        _ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        var command = ["/usr/bin/timeout", "-s", "KILL", "60", "/usr/bin/env"]
            + (cache.map { ["TBMAKE_CACHE=\($0)"] } ?? ["-u", "TBMAKE_CACHE"])
        if let user { command = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + command }
        let result = try RunningTBMake(binary: command[0],
                                       arguments: Array(command.dropFirst()) + [try TBMakeBinary.path(), "-C", project.path] + arguments).wait()
        XCTAssertNotEqual(result.status, 128 + SIGKILL, "tbmake hung and was killed after 60 s", file: file, line: line)
        return result
    }

    private func counter(_ project: Project) throws -> Int {
        project.exists("counter") ? try project.read("counter").split(separator: "\n").count : 0
    }

    private func summary(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Int] {
        var counts: [String: Int] = [:]
        for key in ["ran", "restored", "skipped", "failed"] { counts[key] = result.summary(file: file, line: line)?[key] as? Int }
        return counts
    }

    private enum FileStat {
        static func isRegularFile(_ path: String) -> Bool {
            var status = stat()
            return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        }
    }

    private func object(_ digest: String, in root: String = "cache") -> String {
        "\(root)/objects/\(digest.prefix(2))/\(digest)"
    }

    private func actionEntries(_ project: Project) throws -> [String] {
        try project.shell("ls cache/actions/*/*").stdout.split(separator: "\n").map(String.init)
    }

    /// Builds, then removes a.o and restores it: a.o is now a hard link to its object.
    private func buildAndRestore(_ project: Project, cache: String? = nil, user: uid_t? = nil) throws -> String {
        XCTAssertEqual(try tbmake(project, cache: cache, user: user, "a").status, 0)
        try FileManager.default.removeItem(atPath: project.path + "/a.o")
        let restored = try tbmake(project, cache: cache, user: user, "--json", "a")
        XCTAssertEqual(summary(restored), ["ran": 0, "restored": 1, "skipped": 0, "failed": 0], "\(restored)")
        return try project.sha256(file: "a.o")
    }

    // MARK: - Item 8

    func testFIFOInPlaceOfAnObjectIsCorruptRemovedAndTheTargetRuns() throws {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "a").status, 0)
        let digest = try project.sha256(file: "a.o")
        try FileManager.default.removeItem(atPath: project.path + "/a.o")
        XCTAssertEqual(unlink(project.path + "/" + object(digest)), 0)
        XCTAssertEqual(mkfifo(project.path + "/" + object(digest), 0o444), 0)

        let result = try tbmake(project, "a")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "tbmake: warning: cannot restore a.o of a from the cache (corrupt cache object "
                       + "\(digest.prefix(12)) (\(object(digest))): a FIFO, not a regular file; removed); running it instead\n")
        XCTAssertEqual(try counter(project), 2)
        XCTAssertEqual(try project.read("a.o"), "INT MAIN;\n")
        // (Hashing a FIFO would block the test: look at its type first.)
        XCTAssertEqual(try project.shell("stat -c %F \(object(digest))").stdout, "regular file\n")
        if FileStat.isRegularFile(project.path + "/" + object(digest)) {
            XCTAssertEqual(try project.sha256(file: object(digest)), digest, "stored again")
        }

        XCTAssertEqual(unlink(project.path + "/" + object(digest)), 0)
        XCTAssertEqual(mkfifo(project.path + "/" + object(digest), 0o444), 0)
        let verify = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache", "verify", "-C", project.path]).wait()
        XCTAssertEqual(verify.status, 1, "\(verify)")
        XCTAssertEqual(verify.stdout, "removed corrupt object \(digest) (\(object(digest)))\nverified 0 objects, 1 corrupt\n")
        XCTAssertFalse(project.exists(object(digest)))
    }

    // MARK: - Item 9

    func testSameSizeEditThroughARestoredHardLinkWithItsMtimePutBackRunsTheTargetOnce() throws {
        let project = try project()
        let digest = try buildAndRestore(project)
        let edit = try project.shell("""
            touch -r a.o reference && chmod u+w a.o && printf X | dd of=a.o bs=1 seek=0 conv=notrunc 2>/dev/null \
            && chmod 444 a.o && touch -r reference a.o && rm reference
            """)
        XCTAssertEqual(edit.status, 0, "\(edit)")
        XCTAssertEqual(try project.read("a.o"), "XNT MAIN;\n")

        let repaired = try tbmake(project, "--json", "a")
        XCTAssertEqual(summary(repaired), ["ran": 1, "restored": 0, "skipped": 0, "failed": 0], "\(repaired)")
        let warnings = repaired.events().filter { $0["event"] as? String == "warning" }.compactMap { $0["message"] as? String }
        XCTAssertEqual(warnings, ["cannot restore a.o of a from the cache (corrupt cache object \(digest.prefix(12)) "
                                  + "(\(object(digest))): content does not match its name; removed); running it instead"])
        XCTAssertEqual(try project.read("a.o"), "INT MAIN;\n")
        XCTAssertEqual(try project.sha256(file: object(digest)), digest, "the good content was stored again")

        let again = try tbmake(project, "--json", "a")
        XCTAssertEqual(summary(again), ["ran": 0, "restored": 0, "skipped": 1, "failed": 0], "\(again)")
        XCTAssertEqual(try counter(project), 2)
    }

    // MARK: - Item 10

    func testRecipeOfAnotherUserWritesItsRestoredOutputByName() throws {
        try XCTSkipIf(geteuid() != 0, "running as another user needs root")
        let nobody: uid_t = 65534
        let project = try project()
        XCTAssertEqual(chown(project.path, nobody, nobody), 0)
        XCTAssertEqual(try project.shell("chown -R 65534:65534 .").status, 0)
        let digest = try buildAndRestore(project, user: nobody)
        XCTAssertEqual(try project.shell("stat -c '%a %h' a.o").stdout, "444 2\n", "a read-only hard link to the object")

        try project.write("in.c", "int changed;\n")
        let rerun = try tbmake(project, user: nobody, "a")
        XCTAssertEqual(rerun.status, 0, "\(rerun)")
        XCTAssertEqual(rerun.stderr, "")
        XCTAssertEqual(try project.read("a.o"), "INT CHANGED;\n")
        XCTAssertEqual(try project.sha256(file: object(digest)), digest, "the object kept its content")
        XCTAssertEqual(try counter(project), 2)
    }

    func testARecipeNeverWritesThroughASharedInodeIntoAnotherCheckout() throws {
        let shared = try Project(targetfile: "")
        let first = try project()
        let second = try project()
        let cache = shared.path + "/cache"
        let digest = try buildAndRestore(first, cache: cache)
        let restored = try tbmake(second, cache: cache, "--json", "a")
        XCTAssertEqual(summary(restored), ["ran": 0, "restored": 1, "skipped": 0, "failed": 0], "\(restored)")
        XCTAssertEqual(try first.shell("stat -c %h a.o").stdout, "3\n", "the object and two checkouts share one inode")

        try second.write("in.c", "int other;\n")
        let rerun = try tbmake(second, cache: cache, "a")
        XCTAssertEqual(rerun.status, 0, "\(rerun)")
        XCTAssertEqual(try second.read("a.o"), "INT OTHER;\n")
        XCTAssertEqual(try first.read("a.o"), "INT MAIN;\n", "the other checkout's output is untouched")
        XCTAssertEqual(try shared.sha256(file: object(digest)), digest)
        let verify = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache", "verify", "--cache-dir", cache]).wait()
        XCTAssertEqual(verify.status, 0, "\(verify)")
    }

    // MARK: - Item 11

    /// Built with in.c, then other content, then reverted: the revert finds its action
    /// entry — unless someone else can write it.
    private func revertWithActionEntries(_ tamper: String) throws -> (Project, RunResult) {
        let project = try project()
        XCTAssertEqual(try tbmake(project, "a").status, 0)
        try project.write("in.c", "int other;\n")
        XCTAssertEqual(try tbmake(project, "a").status, 0)
        try project.write("in.c", "int main;\n")
        let entries = try actionEntries(project)
        XCTAssertEqual(entries.count, 2)
        let changed = try project.shell("\(tamper) \(entries.joined(separator: " "))")
        XCTAssertEqual(changed.status, 0, "\(changed)")
        return (project, try tbmake(project, "--json", "a"))
    }

    /// After `tamper` on the action entries, the revert runs `a` instead of restoring it,
    /// with one warning naming the entry of the reverted key and `problem`.
    private func assertRefused(_ tamper: String, _ problem: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let (project, result) = try revertWithActionEntries(tamper)
        XCTAssertEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertEqual(result.decisions(), ["a": "run: input in.c changed"], file: file, line: line)
        let warnings = result.events().filter { $0["event"] as? String == "warning" }.compactMap { $0["message"] as? String }
        let entry = try actionEntries(project).first { entry in
            (try? project.read(entry).contains(try project.sha256(file: "a.o"))) == true
        }
        let path = try XCTUnwrap(entry, "the reverted key's entry", file: file, line: line)
        XCTAssertEqual(warnings, ["not trusting cache metadata that another user may have written: \(path) is \(problem); "
                                  + "its action entries and verification records are ignored (see \"Sharing a cache\" in the README)"],
                       file: file, line: line)
        XCTAssertEqual(try counter(project), 3, file: file, line: line)
        XCTAssertEqual(try project.read("a.o"), "INT MAIN;\n", file: file, line: line)
    }

    func testWorldWritableActionEntryIsRefusedWithAWarningAndTheTargetRuns() throws {
        try assertRefused("chmod 666", "writable by every user (mode 666)")
    }

    func testActionEntryOwnedByAnotherUserIsRefusedWithAWarningAndTheTargetRuns() throws {
        try XCTSkipIf(geteuid() != 0, "giving a file to another user needs root")
        try assertRefused("chown 65534", "owned by uid 65534, not by the cache's owner (uid 0)")
    }

    func testUntamperedActionEntriesRestore() throws {
        let (project, result) = try revertWithActionEntries("true")
        XCTAssertEqual(result.decisions(), ["a": "restore: input in.c changed; outputs for this key are in the cache"])
        XCTAssertEqual(try counter(project), 2)
    }
}
