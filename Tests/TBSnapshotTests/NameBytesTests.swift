import CArchive
import Foundation
import Testing
import TBStore
@testable import TBSnapshot

/// Names are bytes: é, CJK, emoji and a name in Latin-1 bytes go through export, the
/// manifest and import unchanged, in every format and under every locale.
@Suite struct NameBytesTests {
    /// "réseau" in Latin-1: the single byte 0xE9, not UTF-8.
    static let latin1 = FileName.string([0x72, 0xE9, 0x73, 0x65, 0x61, 0x75])

    /// tree/ with sub/é, réseau.tmpl, 中文/名前, 😀, a Latin-1 file and directory, and a
    /// symlink whose target is the Latin-1 name.
    static func makeTree(_ root: String) {
        makeDirectory(root + "/tree")
        makeDirectory(root + "/tree/sub")
        writeFile(root + "/tree/sub/é", "accent\n")
        writeFile(root + "/tree/réseau.tmpl", "template\n")
        makeDirectory(root + "/tree/中文")
        writeFile(root + "/tree/中文/名前", "cjk\n")
        writeFile(root + "/tree/😀", "emoji\n")
        writeFile(root + "/tree/" + latin1, "latin-1\n")
        makeDirectory(root + "/tree/" + latin1 + ".d")
        writeFile(root + "/tree/" + latin1 + ".d/in", "inside\n")
        #expect(symlink(FileName.cString(latin1), FileName.cString(root + "/tree/link")) == 0)
    }

    /// `work`/src holding the tree.
    static func makeSource(in work: TemporaryDirectory) -> String {
        let source = work.file("src")
        makeDirectory(source)
        makeTree(source)
        return source
    }

    /// Each entry's manifest line from the path on (path, extra), in archive order.
    static let expectedLines = [
        "tree\t-",
        "tree/link\tr%E9seau",
        "tree/réseau.tmpl\t-",
        "tree/r%E9seau\t-",
        "tree/r%E9seau.d\t-",
        "tree/r%E9seau.d/in\t-",
        "tree/sub\t-",
        "tree/sub/é\t-",
        "tree/中文\t-",
        "tree/中文/名前\t-",
        "tree/😀\t-",
    ]

    @Test(arguments: SnapshotFormat.allCases)
    func namesRoundTripAsBytes(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let source = Self.makeSource(in: work)
        let archive = work.file("s.\(format.fileExtension)"), manifestPath = work.file("s.manifest")
        let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: ["tree"], format: format), archive: archive, manifest: manifestPath)

        let text = try #require(String(validating: fileBytes(manifestPath), as: UTF8.self))
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("file\t") || $0.hasPrefix("dir\t") || $0.hasPrefix("symlink\t") }
        #expect(lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).suffix(2).joined(separator: "\t") } == Self.expectedLines)
        #expect(try Manifest.parse(text, path: manifestPath) == manifest)
        #expect(manifest.entry("tree/link")?.linkTarget == Self.latin1)

        let destination = work.file("dest")
        _ = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination)
        #expect(try DirectoryListing.names(destination + "/tree").sorted(by: EntryPath.precedes)
                == ["link", "réseau.tmpl", Self.latin1, Self.latin1 + ".d", "sub", "中文", "😀"])
        #expect(FileName.bytes(try DirectoryListing.names(destination + "/tree").first { $0.hasSuffix("seau") }!)
                == [0x72, 0xE9, 0x73, 0x65, 0x61, 0x75])
        #expect(FileName.bytes(try DirectoryListing.readLink(destination + "/tree/link")) == [0x72, 0xE9, 0x73, 0x65, 0x61, 0x75])
        for (name, content) in [("sub/é", "accent\n"), ("réseau.tmpl", "template\n"), ("中文/名前", "cjk\n"), ("😀", "emoji\n"),
                                (Self.latin1, "latin-1\n"), (Self.latin1 + ".d/in", "inside\n")] {
            let file = try OpenFile.open(destination + "/tree/" + name, O_RDONLY)
            #expect(try file.readAll() == Array(content.utf8), "\(name)")
        }
    }

    /// GNU tar reads the names as the same bytes: UTF-8 ones as standard pax paths, the
    /// Latin-1 one as its byte (hdrcharset=BINARY).
    @Test func gnuTarListsTheSameBytes() throws {
        let work = TemporaryDirectory()
        let source = Self.makeSource(in: work)
        let archive = work.file("s.tar")
        _ = try Snapshot.export(SnapshotSpec(root: source, paths: ["tree"], format: .tar), archive: archive, manifest: work.file("m"))
        let listed = try run("/usr/bin/tar", ["--quoting-style=escape", "-tf", archive])
        #expect(listed.status == 0)
        #expect(listed.output == """
            tree/
            tree/link
            tree/réseau.tmpl
            tree/r\\351seau
            tree/r\\351seau.d/
            tree/r\\351seau.d/in
            tree/sub/
            tree/sub/é
            tree/中文/
            tree/中文/名前
            tree/😀

            """)
    }

    /// The archive's bytes do not depend on the locale of the exporting thread.
    @Test(arguments: SnapshotFormat.allCases)
    func theLocaleDoesNotChangeTheBytes(format: SnapshotFormat) throws {
        let work = TemporaryDirectory()
        let source = Self.makeSource(in: work)
        let spec = SnapshotSpec(root: source, paths: ["tree"], format: format)
        var archives: [[UInt8]] = []
        for name in ["C", "C.UTF-8", "POSIX"] {
            let locale = try #require(newlocale(tb_lc_ctype_mask(), name, nil), "locale \(name)")
            defer { freelocale(locale) }
            let previous = uselocale(locale)
            defer { uselocale(previous) }
            let archive = work.file("\(name).\(format.fileExtension)")
            _ = try Snapshot.export(spec, archive: archive, manifest: work.file("\(name).manifest"))
            archives.append(fileBytes(archive))
            #expect(fileBytes(work.file("\(name).manifest")) == fileBytes(work.file("C.manifest")))
        }
        #expect(archives.allSatisfy { $0 == archives[0] })
    }

    /// A pack that fails on a non-ASCII name says which, as a printable line, and leaves no
    /// temporary file.
    @Test func aFailingPackLeavesNoTemporaryFile() throws {
        let work = TemporaryDirectory()
        let source = Self.makeSource(in: work)
        let socketPath = source + "/tree/sub/" + Self.latin1 + ".sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = FileName.cString(socketPath)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = UInt8(bitPattern: byte) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        let output = work.file("out")
        makeDirectory(output)
        for format in SnapshotFormat.allCases {
            #expect(throws: SnapshotError.unsupportedFileType(path: socketPath, type: "socket")) {
                try Snapshot.export(SnapshotSpec(root: source, paths: ["tree"], format: format),
                                    archive: output + "/s.\(format.fileExtension)", manifest: output + "/s.manifest")
            }
        }
        #expect(try DirectoryListing.names(output) == [])
        let message = SnapshotError.unsupportedFileType(path: socketPath, type: "socket").description
        #expect(message == "\(source)/tree/sub/r\\xE9seau.sock is a socket; snapshots hold files, directories, symlinks, devices and FIFOs")
    }
}
