import Foundation
import TBEngine
import TBHosts
import XCTest

final class LocalExecutorTransferTests: XCTestCase {
    private var project: TemporaryDirectory!
    private var executor: LocalExecutor!
    private var root: String { executor.variables["root"]! }

    override func setUpWithError() throws {
        project = try TemporaryDirectory()
        executor = LocalExecutor(hostName: "dev2", projectDirectory: project.path, sandboxed: true)
    }

    override func tearDown() {
        executor = nil
        project = nil
    }

    func testPutAndGetFileKeepContentAndExecutableMode() throws {
        try project.write("src/tool.sh", "#!/bin/sh\necho tool\n", mode: 0o755)
        try executor.put(from: "src/tool.sh", to: root + "/bin/tool.sh")
        XCTAssertEqual(try readText(root + "/bin/tool.sh"), "#!/bin/sh\necho tool\n")
        XCTAssertEqual(permissions(root + "/bin/tool.sh"), 0o755)

        try executor.get(from: root + "/bin/tool.sh", to: "dist/out/tool.sh")
        XCTAssertEqual(try readText(project.path + "/dist/out/tool.sh"), "#!/bin/sh\necho tool\n")
        XCTAssertEqual(permissions(project.path + "/dist/out/tool.sh"), 0o755)
        XCTAssertEqual(try entries(project.path + "/dist/out"), ["tool.sh"], "no temporary file left")
    }

    func testFileReplacesExistingFileAndKeepsItsOwnMode() throws {
        try project.write("a.txt", "new", mode: 0o600)
        try project.write("dist/a.txt", "old old old", mode: 0o644)
        try executor.get(from: "a.txt", to: "dist/a.txt")
        XCTAssertEqual(try readText(project.path + "/dist/a.txt"), "new")
        XCTAssertEqual(permissions(project.path + "/dist/a.txt"), 0o600)
    }

    func testLargeFileIsCopiedByteForByte() throws {
        var generator = SystemRandomNumberGenerator()
        let words = (0..<(3 << 17) + 3).map { _ in generator.next() as UInt64 }
        let bytes = Data(words.withUnsafeBytes { Array($0) }.dropLast(5))
        try bytes.write(to: URL(fileURLWithPath: project.path + "/big.bin"))
        try executor.put(from: "big.bin", to: root + "/big.bin")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/big.bin")), bytes)
    }

    func testDirectoryTreeWithSymlinksIsCopied() throws {
        try project.write("tree/a.txt", "A")
        try project.write("tree/sub/b.txt", "B", mode: 0o600)
        try project.write("tree/sub/run", "#!/bin/sh\n", mode: 0o750)
        XCTAssertEqual(symlink("sub/b.txt", project.path + "/tree/link"), 0)
        XCTAssertEqual(symlink("../nowhere", project.path + "/tree/dangling"), 0)
        XCTAssertEqual(chmod(project.path + "/tree/sub", 0o711), 0)

        try executor.put(from: "tree", to: root + "/build/tree")
        let copy = root + "/build/tree"
        XCTAssertEqual(try entries(copy), ["a.txt", "dangling", "link", "sub"])
        XCTAssertEqual(try entries(copy + "/sub"), ["b.txt", "run"])
        XCTAssertEqual(try readText(copy + "/a.txt"), "A")
        XCTAssertEqual(try readText(copy + "/sub/b.txt"), "B")
        XCTAssertEqual(permissions(copy + "/sub/b.txt"), 0o600)
        XCTAssertEqual(permissions(copy + "/sub/run"), 0o750)
        XCTAssertEqual(permissions(copy + "/sub"), 0o711)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: copy + "/link"), "sub/b.txt")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: copy + "/dangling"), "../nowhere")
        XCTAssertEqual(try entries(root + "/build"), ["tree"], "no temporary tree left")
    }

    func testDirectoryReplacesExistingDirectoryAsAWhole() throws {
        try project.write("tree/new.txt", "new")
        try project.write("dist/tree/old.txt", "old")
        try project.write("dist/tree/deep/older.txt", "older")
        try executor.get(from: "tree", to: "dist/tree")
        XCTAssertEqual(try entries(project.path + "/dist/tree"), ["new.txt"])
        XCTAssertEqual(try entries(project.path + "/dist"), ["tree"], "old tree removed, nothing left aside")
    }

    func testFileReplacesExistingDirectoryAndDirectoryReplacesFile() throws {
        try project.write("file.txt", "F")
        try project.write("dir/x.txt", "X")
        try project.write("dist/file.txt/inner.txt", "was a directory")
        try project.write("dist/dir", "was a file")
        try executor.get(from: "file.txt", to: "dist/file.txt")
        try executor.get(from: "dir", to: "dist/dir")
        XCTAssertEqual(try readText(project.path + "/dist/file.txt"), "F")
        XCTAssertEqual(try readText(project.path + "/dist/dir/x.txt"), "X")
        XCTAssertEqual(try entries(project.path + "/dist"), ["dir", "file.txt"])
    }

    func testTrailingSlashCopiesIntoTheDirectory() throws {
        try project.write("pkg.rpm", "rpm")
        try project.write("dist/keep.txt", "keep")
        try executor.get(from: "pkg.rpm", to: "dist/")
        XCTAssertEqual(try entries(project.path + "/dist"), ["keep.txt", "pkg.rpm"])
        XCTAssertEqual(try readText(project.path + "/dist/pkg.rpm"), "rpm")
    }

    func testMissingSourceFailsWithTheCLibraryMessage() throws {
        XCTAssertThrowsError(try executor.get(from: "missing/file.txt", to: "dist/file.txt")) { error in
            let path = self.project.path + "/missing/file.txt"
            XCTAssertEqual(error as? ExecutorError, .transferFailed(path: path, reason: "No such file or directory"))
            XCTAssertEqual("\(error)", "cannot copy \(path): No such file or directory")
        }
        XCTAssertFalse(exists(project.path + "/dist"))
    }

    func testRefusesToReplaceTheProjectOrTheSandbox() throws {
        try project.write("src/a.txt", "A")
        XCTAssertThrowsError(try executor.get(from: "src", to: ".")) { error in
            guard case .transferFailed(let path, _)? = error as? ExecutorError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, self.project.path)
        }
        XCTAssertThrowsError(try executor.put(from: "src", to: root))
        XCTAssertThrowsError(try executor.put(from: "src", to: ".tbmake"))
        XCTAssertThrowsError(try executor.put(from: "src", to: "src/sub/copy")) { error in
            XCTAssertEqual(error as? ExecutorError, .transferFailed(
                path: self.project.path + "/src/sub/copy",
                reason: "the destination is inside the source \(self.project.path)/src"))
        }
        XCTAssertEqual(try readText(project.path + "/src/a.txt"), "A")
        XCTAssertEqual(try entries(project.path + "/src"), ["a.txt", "sub"])
    }
}

/// Names are bytes: put and get copy a tree whose names are é, CJK, emoji and Latin-1
/// bytes exactly, and a UTF-8 file name as a source and a destination.
final class LocalExecutorNameTransferTests: XCTestCase {
    func testTreeWithNamesOfEveryKindRoundTrips() throws {
        let project = try TemporaryDirectory()
        let executor = LocalExecutor(hostName: "dev2", projectDirectory: project.path, sandboxed: true)
        let root = executor.variables["root"]!
        NameTree.make(project.path + "/tree")
        XCTAssertEqual(NameTree.describe(project.path + "/tree"), NameTree.expected)

        try executor.put(from: "tree", to: root + "/build/tree")
        XCTAssertEqual(NameTree.describe(root + "/build/tree"), NameTree.expected)
        try executor.get(from: root + "/build/tree", to: "back/tree")
        XCTAssertEqual(NameTree.describe(project.path + "/back/tree"), NameTree.expected)
        XCTAssertEqual(try entries(project.path + "/back"), ["tree"], "no temporary tree left")
        // Replacing a tree whose names are not UTF-8 removes the old one entirely.
        try executor.get(from: root + "/build/tree", to: "back/tree")
        XCTAssertEqual(NameTree.describe(project.path + "/back/tree"), NameTree.expected)
        XCTAssertEqual(try entries(project.path + "/back"), ["tree"], "old tree removed, nothing left aside")

        try executor.put(from: "tree/réseau.tmpl", to: root + "/etc/réseau.conf")
        XCTAssertEqual(try readText(root + "/etc/réseau.conf"), "template")
    }
}
