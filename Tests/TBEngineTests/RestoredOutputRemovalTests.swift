import Foundation
import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// An output restored from the cache is read-only and may be the cache's object itself
/// (a hard link): before the target's recipe runs, it is removed, so that a recipe that
/// writes its output by name makes a new file (issue 10, item 10). An ordinary writable
/// output stays until the recipe replaces it.
final class RestoredOutputRemovalTests: XCTestCase {
    func testARestoredOutputIsRemovedBeforeTheRecipeRunsAndAWritableOneIsKept() throws {
        let bed = Testbed("""
            a: src.c
                out a.txt
                run probe
            """, files: ["src.c": "one"])
        let seen = Seen()
        bed.script = { context in
            // Writes the final name itself, as `tr a-z A-Z < src.c > a.txt` would.
            seen.append(context.fileSystem.file("a.txt").map { String(format: "%o", $0.permissions) } ?? "absent")
            context.fileSystem.write("a.txt", bytes: context.fileSystem.file("src.c")!.bytes)
            return 0
        }
        let cache = bed.useMemoryCache()
        XCTAssertEqual(try ranAndRestored(bed), [1, 0])
        bed.fs.removeFile("a.txt")
        XCTAssertEqual(try ranAndRestored(bed), [0, 1])
        XCTAssertEqual(bed.fs.file("a.txt")?.permissions, 0o444, "restored read-only")

        bed.fs.write("src.c", "two")
        XCTAssertEqual(try ranAndRestored(bed), [1, 0])
        bed.fs.write("src.c", "three")
        XCTAssertEqual(try ranAndRestored(bed), [1, 0])
        XCTAssertEqual(seen.all, ["absent", "absent", "644"])
        XCTAssertEqual(bed.fs.contents("a.txt"), "three")
        XCTAssertEqual(cache.objects[SHA256.digest("one")], Array("one".utf8), "the cache keeps the old content")
    }

    private func ranAndRestored(_ bed: Testbed) throws -> [Int] {
        let (summary, _) = try bed.build("a")
        return [summary.ran, summary.restored]
    }
}

private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
