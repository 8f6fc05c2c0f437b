import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// The fakes behave as the engine's seams promise.
final class TestSupportTests: XCTestCase {
    func testInMemoryFileSystemStatsAndDigests() throws {
        let fs = InMemoryFileSystem(["a/b.txt": "hello"])
        let first = try XCTUnwrap(fs.stat("a/b.txt"))
        XCTAssertTrue(first.isRegular)
        XCTAssertEqual(first.size, 5)
        XCTAssertEqual(first.mode, 0o100644)
        XCTAssertEqual(fs.stat("./a")?.isDirectory, true)
        XCTAssertEqual(fs.stat(".")?.isDirectory, true)
        XCTAssertNil(fs.stat("a/c.txt"))
        fs.touch("a/b.txt")
        let second = try XCTUnwrap(fs.stat("a/b.txt"))
        XCTAssertGreaterThan(second.mtimeNs, first.mtimeNs)
        XCTAssertGreaterThan(second.ctimeNs, first.ctimeNs)
        XCTAssertEqual(second.inode, first.inode)
        XCTAssertEqual(try fs.digest(ofFile: "a/b.txt", stat: second), SHA256.digest("hello"))
        XCTAssertEqual(fs.digestCount, 1)
        XCTAssertEqual(fs.digestedPaths, ["a/b.txt"])
        XCTAssertThrowsError(try fs.digest(ofFile: "nope", stat: second))
    }

    func testInMemoryFileSystemListsRenamesAndRemoves() throws {
        let fs = InMemoryFileSystem(["d/z": "z", "d/a/y": "y", "top": "t", ".tbmake/log": "l", "d/.tbmake/x": "x"])
        XCTAssertEqual(try fs.files(under: "d"), ["d/a/y", "d/z"])
        XCTAssertEqual(try fs.files(under: "."), ["d/a/y", "d/z", "top"])
        XCTAssertThrowsError(try fs.files(under: "missing"))
        let inode = fs.stat("top")!.inode
        try fs.rename("top", to: "d/top")
        XCTAssertNil(fs.stat("top"))
        XCTAssertEqual(fs.stat("d/top")?.inode, inode)
        XCTAssertEqual(fs.read("d/top"), Array("t".utf8))
        XCTAssertThrowsError(try fs.rename("top", to: "again"))
        fs.removeFile("d/top")
        XCTAssertNil(fs.read("d/top"))
        try fs.createDirectory("e/f")
        XCTAssertEqual(fs.stat("e")?.isDirectory, true)
        XCTAssertEqual(try fs.files(under: "e"), [])
    }

    func testRecordingExecutorRecordsAndCopies() throws {
        let fs = InMemoryFileSystem(["src/a": "A", "src/sub/b": "B", "one": "1"])
        let executor = RecordingExecutor(hostName: "dev2", fileSystem: fs)
        XCTAssertEqual(executor.variables, ["root": "/sandbox/dev2"])
        XCTAssertEqual(try executor.identity(), "dev2-1")
        executor.identityString = "other"
        XCTAssertEqual(try executor.identity(), "other")
        try executor.prepare()
        try executor.put(from: "src", to: "/sandbox/dev2/src")
        try executor.put(from: "one", to: "/sandbox/dev2/one")
        try executor.get(from: "/sandbox/dev2/one", to: "back")
        XCTAssertThrowsError(try executor.get(from: "/sandbox/dev2/none", to: "x")) { error in
            XCTAssertEqual(error as? ExecutorError, .transferFailed(path: "/sandbox/dev2/none", reason: "No such file or directory"))
        }
        let sink = Sink()
        XCTAssertEqual(try executor.run(command: "write out.txt hi ; say done ; fail 4 ; write never x", environment: ["K": "V"],
                                        deadline: nil, output: sink), 4)
        XCTAssertEqual(sink.text, "done\n")
        XCTAssertEqual(fs.snapshot, ["src/a": "A", "src/sub/b": "B", "one": "1", "/sandbox/dev2/src/a": "A",
                                     "/sandbox/dev2/src/sub/b": "B", "/sandbox/dev2/one": "1", "back": "1", "out.txt": "hi"])
        XCTAssertEqual(executor.calls, [
            .put(from: "src", to: "/sandbox/dev2/src"),
            .put(from: "one", to: "/sandbox/dev2/one"),
            .get(from: "/sandbox/dev2/one", to: "back"),
            .get(from: "/sandbox/dev2/none", to: "x"),
            .run(command: "write out.txt hi ; say done ; fail 4 ; write never x", environment: ["K": "V"]),
        ])
        XCTAssertEqual(executor.events.prefix(3), ["identity", "identity", "prepare"])
        XCTAssertEqual(executor.prepareCount, 1)
        XCTAssertEqual(executor.identityCount, 2)
    }

    func testPutReplacesTheDestinationAsAWhole() throws {
        let fs = InMemoryFileSystem(["src/new": "n", "/sandbox/h/dst/old": "o"])
        let executor = RecordingExecutor(hostName: "h", fileSystem: fs)
        try executor.put(from: "src", to: "/sandbox/h/dst")
        XCTAssertEqual(try fs.files(under: "/sandbox/h/dst"), ["/sandbox/h/dst/new"])
    }

    func testBuildHelperNeedsAnExecutorForEveryHost() throws {
        let fs = InMemoryFileSystem()
        let local = RecordingExecutor(hostName: "local", fileSystem: fs)
        XCTAssertThrowsError(try build("host far = local\na:\n    run true\n", targets: ["a"], fs: fs,
                                       executors: ["local": local], store: MemoryTraceStore())) { error in
            XCTAssertEqual(error as? TestSupportError, .noExecutor(host: "far"))
        }
        let (summary, observer) = try build("a:\n    run true\n", targets: ["a"], fs: fs, executors: ["local": local],
                                            store: MemoryTraceStore())
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(observer.decisionsByTarget, ["a": Decision(.run, .neverRan)])
        XCTAssertEqual(local.commands, ["true"])
    }
}

private final class Sink: OutputSink, @unchecked Sendable {
    private var bytes: [UInt8] = []
    func write(_ chunk: UnsafeRawBufferPointer) { bytes.append(contentsOf: chunk) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}
