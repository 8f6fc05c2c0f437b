import Foundation
import Testing
@testable import TBStore

@Suite struct CacheActionTests {
    @Test func roundTripWithAwkwardPaths() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let key = SHA256.digest("key")
        let entry = ActionEntry(key: key, outputs: [
            OutputRecord(path: "dist/kata-dev-1.0.noarch.rpm", digest: SHA256.digest("rpm"), mode: 0o100644),
            OutputRecord(path: "odd\tname\nwith\\slashes\\t", digest: SHA256.digest("odd"), mode: 0o100755),
            OutputRecord(path: "été/ünïcode", digest: SHA256.digest("u"), mode: 0o444),
        ])
        try cache.recordAction(entry)
        #expect(cache.action(for: key) == entry)
        #expect(try ContentStore(root: fixture.root).action(for: key) == entry)
        #expect(cache.action(for: SHA256.digest("other")) == nil)
        #expect(readText(cache.actionPath(key)) == """
            tbmake action v1
            dist/kata-dev-1.0.noarch.rpm\t\(SHA256.digest("rpm").hex)\t100644
            odd\\tname\\nwith\\\\slashes\\\\t\t\(SHA256.digest("odd").hex)\t100755
            été/ünïcode\t\(SHA256.digest("u").hex)\t444

            """)
        #expect(fixture.temporaries().isEmpty)

        // Recording again replaces the entry.
        let replaced = ActionEntry(key: key, outputs: [])
        try cache.recordAction(replaced)
        #expect(cache.action(for: key) == replaced)
    }

    @Test func unknownVersionIsIgnoredButKept() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let key = SHA256.digest("key")
        try cache.recordAction(ActionEntry(key: key, outputs: []))
        writeFile(cache.actionPath(key), "tbmake action v2\nwhatever a newer tbmake writes\n")
        #expect(cache.action(for: key) == nil)
        #expect(fileExists(cache.actionPath(key)))
    }

    @Test(arguments: [
        "",
        "tbmake action v1",                                          // no newline
        "not an action\n",
        "tbmake action v1\nfile\tnot-a-digest\t644\n",
        "tbmake action v1\nfile\t\(SHA256.digest("x").hex)\t9\n",     // not octal
        "tbmake action v1\nfile\t\(SHA256.digest("x").hex)\n",         // two fields
        "tbmake action v1\n\t\(SHA256.digest("x").hex)\t644\n",        // empty path
        "tbmake action v1\nbad\\qescape\t\(SHA256.digest("x").hex)\t644\n",
        "tbmake action v1\nfile\t\(SHA256.digest("x").hex)\t644",      // torn last line
        "tbmake action v1\nfile\t\(SHA256.digest("x").hex.uppercased())\t644\n",
    ])
    func malformedEntryIsNilAndRemoved(text: String) throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let key = SHA256.digest("key")
        try cache.recordAction(ActionEntry(key: key, outputs: []))
        writeFile(cache.actionPath(key), text)
        #expect(cache.action(for: key) == nil)
        #expect(!fileExists(cache.actionPath(key)))
    }
}
