import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// A target's key digests its file inputs as they are when the target is decided —
/// after its dependencies ran — even when a dependency rewrote one of them.
final class FileInputTimingTests: XCTestCase {
    /// `fetch` has no declared output: its effect is to rewrite `src/a.c` in the project
    /// (as an rsync from a repository would); `build` depends on it and reads `src/a.c`.
    /// The file system caches digests by stat, as `DiskFileSystem` does.
    private func project() -> Testbed {
        Testbed("""
            ver ?= 1
            fetch:
                run write src/a.c version $(ver)
            build: fetch src/a.c
                out build.txt
                run write $(out) built
            """, files: ["src/a.c": "unfetched"], cachesDigestsByStat: true)
    }

    func testFakeCacheReturnsTheDigestOfTheStatItIsGiven() throws {
        let fs = InMemoryFileSystem(["f": "one"], cachesDigestsByStat: true)
        let old = fs.stat("f")!
        XCTAssertEqual(try fs.digest(ofFile: "f", stat: old), SHA256.digest("one"))
        fs.write("f", "two")
        XCTAssertEqual(try fs.digest(ofFile: "f", stat: old), SHA256.digest("one"), "a stale stat gives a stale digest")
        XCTAssertEqual(try fs.digest(ofFile: "f", stat: fs.stat("f")!), SHA256.digest("two"))
    }

    func testNoChangeNoRun() throws {
        let bed = project()
        try bed.build("build")
        let (summary, _) = try bed.build("build")
        XCTAssertEqual(summary, .counts(skipped: 2))
    }

    // BUG: BuildGraph captures each file input's stat when the graph is loaded, and
    // Build.prepare passes that stat to digest(ofFile:stat:) when the target is decided,
    // after its dependencies ran. With DiskFileSystem's stat-keyed DigestCache, an input
    // that a dependency rewrote meanwhile is digested from the cache entry of its old
    // stat: `build` runs on "version 2" but its trace records the digest of "version 1",
    // and the next run reruns it for nothing ("input src/a.c changed").
    func testInputRewrittenByADependencyIsDigestedAsItIsNow() throws {
        let bed = project()
        try bed.build("build")
        try bed.build("build")          // up to date; the cache knows src/a.c's stat
        var (_, observer) = try bed.build("build", overrides: ["ver": "2"])
        XCTAssertEqual(bed.fs.contents("src/a.c"), "version 2")
        XCTAssertEqual(observer.decisionsByTarget, [
            "fetch": Decision(.run, .variableChanged(name: "ver", from: "1", to: "2")),
            "build": Decision(.run, .inputChanged(path: "src/a.c")),
        ])
        XCTAssertEqual(bed.store.trace(for: "build")?.components.first { $0.name == "in:src/a.c" }?.value,
                       SHA256.digest("version 2").hex)
        (_, observer) = try bed.build("build", overrides: ["ver": "2"])
        XCTAssertEqual(observer.decisionsByTarget, ["fetch": Decision(.skip, .upToDate), "build": Decision(.skip, .upToDate)])
    }
}
