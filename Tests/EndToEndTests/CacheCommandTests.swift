import Foundation
import XCTest

/// `tbmake cache stats|verify|gc`, and `--cache-max-size` / `TBMAKE_CACHE_MAX_SIZE` on
/// ordinary runs, against the real binary.
final class CacheCommandTests: XCTestCase {
    /// `v` copies `src.txt`, so each content of it leaves one object; `w` is fixed.
    private let versioned = """
        v: src.txt
            out v.out
            run cp src.txt $(out)
        w:
            out w.out
            run printf 0123456789012345678901234567890123456789 > $(out)

        """

    override func setUpWithError() throws {
        for name in ["TBMAKE_CACHE", "TBMAKE_CACHE_MAX_SIZE"] where ProcessInfo.processInfo.environment[name] != nil {
            throw XCTSkip("\(name) is set in the environment; these tests need the default cache/")
        }
    }

    /// `tbmake cache ARGUMENTS... -C <project>`.
    @discardableResult
    private func cache(_ project: Project, _ arguments: String...) throws -> RunResult {
        try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["cache"] + arguments + ["-C", project.path]).wait()
    }

    /// `cache/objects/ab/<hex>` of the file's current content.
    private func objectOf(_ project: Project, _ relative: String) throws -> String {
        let hex = try project.sha256(file: relative)
        return "cache/objects/\(hex.prefix(2))/\(hex)"
    }

    /// Writes `src.txt` and runs `tbmake ARGUMENTS... v`; returns v's object.
    private func build(_ project: Project, source: String, _ arguments: String...) throws -> String {
        try project.write("src.txt", source)
        let result = try project.start(arguments + ["v"]).wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        return try objectOf(project, "v.out")
    }

    private func setLastUse(_ project: Project, _ object: String, _ date: String) throws {
        let result = try project.shell("touch -a -d '\(date)' \(object)")
        XCTAssertEqual(result.status, 0, "\(result)")
    }

    // MARK: - stats

    func testStatsCountsObjectsBytesActionsAndRecentHitRate() throws {
        let project = try Project(targetfile: """
            a:
                out a.out
                run printf hello > $(out)
            same:
                out same.out
                run printf hello > $(out)
            b:
                out b.out
                run printf 'hi there' > $(out)
            big:
                out big.out
                run head -c 1536 /dev/zero > $(out)
            plain:
                run echo plain

            """)
        let empty = try cache(project, "stats")
        XCTAssertEqual(empty.status, 0, "\(empty)")
        XCTAssertEqual(empty.stdout, """
            cache: \(project.path)/cache
            objects: 0
            bytes: 0 bytes
            actions: 0
            hit rate (last 100 runs): none recorded

            """)
        XCTAssertFalse(project.exists("cache"), "stats writes nothing")

        XCTAssertEqual(try project.tbmake("a", "same", "b", "big", "plain").status, 0)
        try FileManager.default.removeItem(atPath: project.path + "/a.out")
        let restore = try project.tbmake("--json", "a")
        XCTAssertEqual(restore.decisions()["a"]?.hasPrefix("restore:"), true, "\(restore)")

        // "hello" is one object for a and same: 5 + 8 + 1536 bytes; four actions (plain
        // has no outputs); 4 targets ran, then 1 was restored.
        let stats = try cache(project, "stats")
        XCTAssertEqual(stats.status, 0, "\(stats)")
        XCTAssertEqual(stats.stdout, """
            cache: \(project.path)/cache
            objects: 3
            bytes: 1549 bytes (1.5 KiB)
            actions: 4
            hit rate (last 100 runs): 20% (1 of 5 cacheable targets restored)

            """)
        XCTAssertEqual(stats.stderr, "")

        let json = try cache(project, "stats", "--json")
        XCTAssertEqual(json.status, 0, "\(json)")
        XCTAssertEqual(json.stdout, """
            {"event":"stats","cache":"\(project.path)/cache","objects":3,"bytes":1549,"actions":4,"hits":1,"misses":4}

            """)
    }

    func testCacheDirOptionAndVariableSelectTheSameCacheAsARun() throws {
        let project = try Project(targetfile: versioned)
        XCTAssertEqual(try project.tbmake("--cache-dir", "elsewhere", "w").status, 0)
        XCTAssertFalse(project.exists("cache"))
        let option = try cache(project, "stats", "--cache-dir", "elsewhere")
        XCTAssertEqual(option.status, 0, "\(option)")
        XCTAssertTrue(option.stdout.hasPrefix("cache: \(project.path)/elsewhere\nobjects: 1\nbytes: 40 bytes\n"), "\(option)")
        let variable = try project.shell("TBMAKE_CACHE=elsewhere '\(try TBMakeBinary.path())' cache stats")
        XCTAssertEqual(variable.stdout, option.stdout, "\(variable)")
    }

    // MARK: - verify

    func testVerifyRemovesACorruptObjectAndItsTargetRunsAgain() throws {
        let project = try Project(targetfile: versioned)
        let v = try build(project, source: "hello")
        XCTAssertEqual(try project.tbmake("w").status, 0)
        let w = try objectOf(project, "w.out")
        let intact = try cache(project, "verify")
        XCTAssertEqual(intact.status, 0, "\(intact)")
        XCTAssertEqual(intact.stdout, "verified 2 objects, 0 corrupt\n")

        let flip = try project.shell("chmod u+w \(v) && printf X | dd of=\(v) bs=1 seek=2 conv=notrunc 2>/dev/null")
        XCTAssertEqual(flip.status, 0, "\(flip)")
        let corrupt = try cache(project, "verify")
        XCTAssertEqual(corrupt.status, 1, "\(corrupt)")
        let hex = String(v.split(separator: "/").last!)
        XCTAssertEqual(corrupt.stdout, "removed corrupt object \(hex) (\(v))\nverified 2 objects, 1 corrupt\n")
        XCTAssertEqual(corrupt.stderr, "")
        XCTAssertFalse(project.exists(v))
        XCTAssertTrue(project.exists(w))
        XCTAssertEqual(try cache(project, "verify").stdout, "verified 1 object, 0 corrupt\n")

        // v's output must now come from the cache: it cannot, so v runs and stores it again.
        try FileManager.default.removeItem(atPath: project.path + "/v.out")
        let rerun = try project.tbmake("--json", "v")
        XCTAssertEqual(rerun.status, 0, "\(rerun)")
        XCTAssertEqual(rerun.decisions()["v"]?.hasPrefix("run:"), true, "\(rerun)")
        let warnings = rerun.events().filter { $0["event"] as? String == "warning" }.compactMap { $0["message"] as? String }
        XCTAssertEqual(warnings.count, 1, "\(rerun)")
        XCTAssertTrue(warnings.first?.hasPrefix("cannot restore v.out of v from the cache") == true, "\(rerun)")
        XCTAssertTrue(warnings.first?.contains(String(hex.prefix(12))) == true, "\(rerun)")
        XCTAssertEqual(try project.read("v.out"), "hello")
        XCTAssertTrue(project.exists(v), "stored again")
        XCTAssertEqual(try cache(project, "verify").stdout, "verified 2 objects, 0 corrupt\n")
    }

    // MARK: - gc

    func testGCRemovesLeastRecentlyUsedFirstAndNeverWhatATraceNeeds() throws {
        let project = try Project(targetfile: versioned)
        let one = try build(project, source: String(repeating: "1", count: 10))
        let two = try build(project, source: String(repeating: "2", count: 20))
        let three = try build(project, source: String(repeating: "3", count: 30))
        XCTAssertEqual(try project.tbmake("w").status, 0)
        let w = try objectOf(project, "w.out")
        // Oldest first: the objects the traces need (three, w), then two, then one.
        try setLastUse(project, three, "2000-01-01")
        try setLastUse(project, w, "2000-01-01")
        try setLastUse(project, two, "2001-01-01")
        try setLastUse(project, one, "2001-01-02")

        let within = try cache(project, "gc", "--max-size", "100")
        XCTAssertEqual(within.status, 0, "\(within)")
        XCTAssertEqual(within.stdout, "removed 0 objects, freed 0 bytes\nremaining: 4 objects, 100 bytes\n")

        let trimmed = try cache(project, "gc", "--max-size", "85")
        XCTAssertEqual(trimmed.status, 0, "\(trimmed)")
        XCTAssertEqual(trimmed.stdout, "removed 1 object, freed 20 bytes\nremaining: 3 objects, 80 bytes\n")
        XCTAssertEqual([one, two, three, w].map(project.exists), [true, false, true, true])

        let all = try cache(project, "gc", "--max-size", "0", "--json")
        XCTAssertEqual(all.status, 0, "\(all)")
        XCTAssertEqual(all.stdout, #"{"event":"gc","removed":1,"freed":10,"objects":2,"bytes":70,"limit":0}"# + "\n")
        XCTAssertEqual([one, two, three, w].map(project.exists), [false, false, true, true])
        let stats = try cache(project, "stats")
        XCTAssertTrue(stats.stdout.contains("\nobjects: 2\nbytes: 70 bytes\nactions: 2\n"), "actions of removed objects go too: \(stats)")

        let text = try cache(project, "gc", "--max-size", "0")
        XCTAssertEqual(text.stdout, """
            removed 0 objects, freed 0 bytes
            remaining: 2 objects, 70 bytes
            still above 0 bytes: the objects left are needed by the project's traces

            """)

        // What the traces need is still restorable; a removed version simply runs again.
        try FileManager.default.removeItem(atPath: project.path + "/v.out")
        let restore = try project.tbmake("--json", "v", "w")
        XCTAssertEqual(restore.decisions()["v"]?.hasPrefix("restore:"), true, "\(restore)")
        XCTAssertEqual(restore.decisions()["w"]?.hasPrefix("skip:"), true, "\(restore)")
        try project.write("src.txt", String(repeating: "1", count: 10))
        let rerun = try project.tbmake("--json", "v")
        XCTAssertEqual(rerun.decisions()["v"]?.hasPrefix("run:"), true, "\(rerun)")
        XCTAssertFalse(rerun.stdout.contains(#""event":"warning""#), "no action left names the removed object: \(rerun)")
    }

    func testGCOfAProjectWithoutTracesKeepsNothingExtra() throws {
        let built = try Project(targetfile: versioned)
        _ = try build(built, source: "abc")
        let other = try Project(targetfile: versioned)
        let shared = built.path + "/cache"
        let result = try cache(other, "gc", "--max-size", "0", "--cache-dir", shared)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stdout, "removed 1 object, freed 3 bytes\nremaining: 0 objects, 0 bytes\n")
        XCTAssertFalse(other.exists(".tbmake"), "gc reads the log without creating it")
    }

    // MARK: - the size bound of ordinary runs

    func testCacheMaxSizeTrimsAfterARunThatStored() throws {
        let project = try Project(targetfile: versioned)
        let one = try build(project, source: String(repeating: "1", count: 10), "--cache-max-size", "50")
        let two = try build(project, source: String(repeating: "2", count: 20), "--cache-max-size", "50")
        XCTAssertTrue(project.exists(one) && project.exists(two), "30 bytes fit")
        try setLastUse(project, two, "2001-01-01")
        try setLastUse(project, one, "2001-01-02")
        // 60 bytes: two, the least recently used, goes; one fits again; three is needed.
        let three = try build(project, source: String(repeating: "3", count: 30), "--cache-max-size", "50")
        XCTAssertEqual([one, two, three].map(project.exists), [true, false, true])

        // A run that stores nothing leaves the cache alone, even above the bound.
        let binary = try TBMakeBinary.path()
        let upToDate = try project.shell("TBMAKE_CACHE_MAX_SIZE=1 '\(binary)' v")
        XCTAssertEqual(upToDate.status, 0, "\(upToDate)")
        XCTAssertEqual([one, two, three].map(project.exists), [true, false, true])

        try project.write("src.txt", String(repeating: "4", count: 40))
        let stored = try project.shell("TBMAKE_CACHE_MAX_SIZE=1 '\(binary)' v")
        XCTAssertEqual(stored.status, 0, "\(stored)")
        XCTAssertEqual(stored.stderr, "")
        let four = try objectOf(project, "v.out")
        XCTAssertEqual([one, two, three, four].map(project.exists), [false, false, false, true])
    }

    // MARK: - usage

    func testBadSizesAndMissingCommandsAreOneLineUsageErrors() throws {
        let project = try Project(targetfile: versioned)
        let binary = try TBMakeBinary.path()
        var results: [(String, RunResult)] = []
        for size in ["10X", "-5", "1.5G", "", "G", "99999999999T"] {
            results.append(("gc --max-size \(size)", try cache(project, "gc", "--max-size", size)))
        }
        results.append(("gc", try cache(project, "gc")))
        results.append(("gc, bad variable", try project.shell("TBMAKE_CACHE_MAX_SIZE=abc '\(binary)' cache gc")))
        results.append(("cache", try project.shell("'\(binary)' cache")))
        results.append(("cache frob", try cache(project, "frob")))
        results.append(("run --cache-max-size", try project.tbmake("--cache-max-size", "12Q", "w")))
        results.append(("run, bad variable", try project.shell("TBMAKE_CACHE_MAX_SIZE=1.5 '\(binary)' w")))
        for (what, result) in results {
            XCTAssertEqual(result.status, 2, "\(what): \(result)")
            XCTAssertEqual(result.stdout, "", "\(what): \(result)")
            XCTAssertTrue(result.stderr.hasPrefix("tbmake: "), "\(what): \(result)")
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "\(what): \(result)")
        }
        XCTAssertEqual(results[0].1.stderr, """
            tbmake: The value '10X' is invalid for '--max-size <SIZE>': use a number of bytes, \
            or one with K, M, G or T (powers of 1024), e.g. 10G (see tbmake cache --help)

            """)
        XCTAssertFalse(project.exists("w.out"), "nothing ran")
        XCTAssertFalse(project.exists("cache"))

        for size in ["0", "512", "64k", "10G", "2T"] {
            let result = try cache(project, "gc", "--max-size", size)
            XCTAssertEqual(result.status, 0, "\(size): \(result)")
        }
    }

    func testCacheAsFirstArgumentIsTheMaintenanceCommandAndDoubleDashBuildsATargetNamedCache() throws {
        let project = try Project(targetfile: """
            cache:
                out made
                run printf target > $(out)

            """)
        let binary = try TBMakeBinary.path()
        let help = try project.shell("'\(binary)' cache --help")
        XCTAssertEqual(help.status, 0, "\(help)")
        XCTAssertTrue(help.stdout.contains("USAGE: tbmake cache <subcommand>"), "\(help)")
        let gcHelp = try project.shell("'\(binary)' cache gc --help")
        XCTAssertTrue(gcHelp.stdout.contains("USAGE: tbmake cache gc "), "\(gcHelp)")
        XCTAssertFalse(project.exists("made"))

        let target = try project.shell("'\(binary)' -- cache")
        XCTAssertEqual(target.status, 0, "\(target)")
        XCTAssertEqual(try project.read("made"), "target")
        let mainHelp = try project.tbmake("--help")
        XCTAssertTrue(mainHelp.stdout.contains("tbmake -- cache"), "\(mainHelp)")
    }
}
