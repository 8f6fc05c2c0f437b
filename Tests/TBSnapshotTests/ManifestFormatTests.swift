import Testing
import TBStore
@testable import TBSnapshot

@Suite struct ManifestFormatTests {
    let sample = Manifest(format: .tarZstd, mtime: 5, owners: .preserve, roots: ["a"], entries: [
        ManifestEntry(path: "a", type: .directory, mode: 0o755),
        ManifestEntry(path: "a/-", type: .symlink, mode: 0o777, linkTarget: "-"),
        ManifestEntry(path: "a/key\tname%", type: .file, mode: 0o600, uid: 3_000_000, gid: 7, size: 3, digest: SHA256.digest("abc")),
        ManifestEntry(path: "a/null", type: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3),
    ])

    @Test func encodesAndParsesBack() throws {
        let text = sample.encoded()
        #expect(text == """
            tbmake snapshot manifest 1
            format\ttar.zst
            mtime\t5
            owners\tpreserve
            root\ta
            dir\t0755\t0:0\t0\t-\ta\t-
            symlink\t0777\t0:0\t0\t-\ta/-\t%2D
            file\t0600\t3000000:7\t3\t\(SHA256.digest("abc").hex)\ta/key%09name%25\t-
            char\t0666\t0:0\t0\t-\ta/null\t1,3
            end\t4

            """)
        #expect(try Manifest.parse(text, path: "m") == sample)
    }

    @Test func refusesUnknownVersionAndTruncation() {
        #expect(throws: SnapshotError.unsupportedManifest(path: "m", found: "tbmake snapshot manifest 2")) {
            try Manifest.parse("tbmake snapshot manifest 2\n", path: "m")
        }
        let text = sample.encoded()
        let truncated = String(text.dropLast("end\t4\n".count))
        #expect(throws: SnapshotError.invalidManifest(path: "m", line: 0, reason: "truncated (no end line)")) {
            try Manifest.parse(truncated, path: "m")
        }
        let orphan = text.replacingOccurrences(of: "dir\t0755\t0:0\t0\t-\ta\t-\n", with: "")
            .replacingOccurrences(of: "end\t4\n", with: "end\t3\n")
        #expect(throws: SnapshotError.invalidManifest(path: "m", line: 0, reason: "'a/-' has no parent directory entry")) {
            try Manifest.parse(orphan, path: "m")
        }
        let rootless = text.replacingOccurrences(of: "root\ta\n", with: "root\ta\nroot\tb\n")
        #expect(throws: SnapshotError.invalidManifest(path: "m", line: 0, reason: "root 'b' has no entry")) {
            try Manifest.parse(rootless, path: "m")
        }
    }
}
