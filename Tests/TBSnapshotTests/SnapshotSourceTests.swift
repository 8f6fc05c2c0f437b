import Foundation
import Testing
@testable import TBSnapshot

/// A source that is not the local file system as export sees it: the local tree through
/// `LocalSnapshotSource`, but listed in reverse order, read in small odd-sized pieces,
/// with paths shown as "fake:…", and with whatever the test adds (extra entries, a file
/// that fails, a file that grows).
final class ScrambledSource: SnapshotSource {
    let local = LocalSnapshotSource()
    /// Extra entries reported in a directory: directory path -> (name, status).
    var extra: [String: [(String, SourceStatus)]] = [:]
    /// Paths whose `open` fails.
    var unreadable: Set<String> = []
    /// Paths that yield this many bytes more than their status says.
    var growing: [String: Int] = [:]
    private(set) var opened: [String] = []

    func status(_ path: String) throws(SnapshotError) -> SourceStatus? { try local.status(path) }

    func entries(_ path: String) throws(SnapshotError) -> [(name: String, status: SourceStatus)] {
        try (local.entries(path).sorted { $0.name < $1.name } + (extra[path] ?? []).map { (name: $0.0, status: $0.1) }).reversed()
    }

    func linkTarget(_ path: String) throws(SnapshotError) -> String { try local.linkTarget(path) }

    func open(_ path: String, expectedSize: Int64) throws(SnapshotError) -> any SnapshotSourceFile {
        opened.append(path)
        #expect(try local.status(path)?.size == expectedSize, "\(path)")
        if unreadable.contains(path) { throw .source(operation: "open", path: describe(path), reason: "Permission denied") }
        return Piecewise(file: try local.open(path, expectedSize: expectedSize), extra: growing[path] ?? 0)
    }

    func describe(_ path: String) -> String { "fake:" + path }

    /// Reads at most 1,000 bytes a call, then `extra` bytes of "x".
    final class Piecewise: SnapshotSourceFile {
        let file: any SnapshotSourceFile
        var extra: Int

        init(file: any SnapshotSourceFile, extra: Int) {
            self.file = file
            self.extra = extra
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(SnapshotError) -> Int {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, 1_000)]))
            if n > 0 || extra == 0 { return n }
            let m = min(extra, buffer.count)
            buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"), count: m)
            extra -= m
            return m
        }
    }
}

@Suite struct SnapshotSourceTests {
    /// The walk, the order, the excludes and the hashing are export's own: any source that
    /// reports the same tree gives the same bytes, whatever order it lists directories in
    /// and however it cuts its reads.
    @Test(arguments: SnapshotFormat.allCases)
    func anotherSourceOfTheSameTreeGivesTheSameBytes(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let root = makeManagementNode(in: work)
        let spec = SnapshotSpec(root: root, paths: managementNodePaths, excludes: xcatExcludes, format: format)
        let local = try Snapshot.export(spec, archive: work.file("local.\(format.fileExtension)"), manifest: work.file("local.manifest"))
        let source = ScrambledSource()
        let other = try Snapshot.export(spec, from: source, archive: work.file("other.\(format.fileExtension)"), manifest: work.file("other.manifest"))
        #expect(other == local)
        #expect(fileBytes(work.file("other.\(format.fileExtension)")) == fileBytes(work.file("local.\(format.fileExtension)")))
        #expect(fileBytes(work.file("other.manifest")) == fileBytes(work.file("local.manifest")))
        // Excluded files are never opened; every file in the manifest is, once.
        #expect(source.opened.sorted() == local.entries.filter { $0.type == .file }.map { root + "/" + $0.path }.sorted())
    }

    /// A source's failure fails the export, naming the path as the source shows it, and
    /// leaves the earlier archive and manifest as they were.
    @Test func aFailingSourceLeavesTheEarlierSnapshot() throws {
        let work = TemporaryDirectory()
        let root = makeManagementNode(in: work)
        let spec = SnapshotSpec(root: root, paths: managementNodePaths)
        let archive = work.file("s.tar.gz"), manifest = work.file("s.manifest")
        _ = try Snapshot.export(spec, archive: archive, manifest: manifest)
        let before = (fileBytes(archive), fileBytes(manifest))

        let unreadable = ScrambledSource()
        unreadable.unreadable = [root + "/etc/xcat/cert/server-key.pem"]
        #expect(throws: SnapshotError.source(operation: "open", path: "fake:\(root)/etc/xcat/cert/server-key.pem", reason: "Permission denied")) {
            try Snapshot.export(spec, from: unreadable, archive: archive, manifest: manifest)
        }
        let growing = ScrambledSource()
        growing.growing = [root + "/install/custom/compute.pkglist": 3]
        #expect(throws: SnapshotError.changedWhileReading(path: "fake:\(root)/install/custom/compute.pkglist", expected: 20, actual: 23)) {
            try Snapshot.export(spec, from: growing, archive: archive, manifest: manifest)
        }
        let device = ScrambledSource()
        device.extra = [root + "/etc/xcat": [("tty0", SourceStatus(mode: UInt32(S_IFCHR) | 0o600, uid: 0, gid: 0, size: 0))]]
        #expect(throws: SnapshotError.source(operation: "read the device numbers of", path: "fake:\(root)/etc/xcat/tty0",
                                             reason: "the source does not tell them")) {
            try Snapshot.export(spec, from: device, archive: archive, manifest: manifest)
        }
        #expect(fileBytes(archive) == before.0)
        #expect(fileBytes(manifest) == before.1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["mn", "s.manifest", "s.tar.gz"])
    }

    /// The local source reports what lstat says, devices with their numbers.
    @Test func localStatusIsLstat() throws {
        let work = TemporaryDirectory()
        writeFile(work.file("key"), "secret", mode: 0o600)
        #expect(symlink("key", work.file("link")) == 0)
        let source = LocalSnapshotSource()
        let key = try #require(try source.status(work.file("key")))
        #expect(key.mode == UInt32(S_IFREG) | 0o600)
        #expect(key.size == 6)
        #expect(try source.status(work.file("link")).map { $0.mode & UInt32(S_IFMT) } == UInt32(S_IFLNK))
        #expect(try source.linkTarget(work.file("link")) == "key")
        #expect(try source.status(work.file("missing")) == nil)
        #expect(try source.entries(work.path).map(\.name).sorted() == ["key", "link"])
        let null = try #require(try source.status("/dev/null"))
        #expect(null.deviceMajor == 1 && null.deviceMinor == 3)
    }
}
