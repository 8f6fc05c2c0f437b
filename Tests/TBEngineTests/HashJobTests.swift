import Foundation
import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// A large input the digest cache does not know is hashed on a worker: another target
/// runs meanwhile, and the decision then finds the digest known.
final class HashJobTests: XCTestCase {
    /// Forwards to an in-memory file system; `big.img` is unknown to its cache until
    /// hashed, and hashing it waits until `release()` (or 10 s, then it counts).
    private final class SlowDiskFileSystem: FileSystem, @unchecked Sendable {
        let inner: InMemoryFileSystem
        private let gate = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var known = false
        private(set) var hashesThatWaitedInVain = 0
        /// Calls that had to read big.img (the digest was not known yet).
        var hashesWhileUnknown: Int { lock.withLock { unknownHashes } }
        private var unknownHashes = 0

        init(_ inner: InMemoryFileSystem) { self.inner = inner }
        func release() { gate.signal() }

        func knowsDigest(ofFile path: String, stat: FileStat) -> Bool { path != "big.img" || lock.withLock { known } }
        func digest(ofFile path: String, stat: FileStat) throws -> Digest {
            if path == "big.img" && !lock.withLock({ known }) {
                lock.withLock { unknownHashes += 1 }
                if gate.wait(timeout: .now() + 10) == .timedOut { lock.withLock { hashesThatWaitedInVain += 1 } }
                lock.withLock { known = true }
            }
            return try inner.digest(ofFile: path, stat: stat)
        }
        func stat(_ path: String) -> FileStat? { inner.stat(path) }
        func forgetEarlyStats() { inner.forgetEarlyStats() }
        func digest(ofTree path: String) throws -> Digest { try inner.digest(ofTree: path) }
        func files(under directory: String) throws -> [String] { try inner.files(under: directory) }
        func read(_ path: String) -> [UInt8]? { inner.read(path) }
        func rename(_ from: String, to: String) throws { try inner.rename(from, to: to) }
        func removeFile(_ path: String) { inner.removeFile(path) }
        func createDirectory(_ path: String) throws { try inner.createDirectory(path) }
    }

    func testALargeInputIsHashedBesideTheRun() throws {
        let memory = InMemoryFileSystem(["big.img": String(repeating: "x", count: 2 << 20), "small.c": "int main;"])
        let fs = SlowDiskFileSystem(memory)
        let executor = RecordingExecutor(hostName: "local", fileSystem: memory) { context in
            // b runs while a's input is being hashed, and lets the hash finish.
            if context.command == "b" { fs.release() }
            return 0
        }
        let store = MemoryTraceStore()
        let (summary, observer) = try build("""
            all: a b
            a: big.img
                run a
            b: small.c
                run b
            """, targets: ["all"], options: .with { $0.jobs = 1 }, fs: fs, executors: ["local": executor], store: store)
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 1))
        XCTAssertEqual(observer.startedTargets, ["b", "a"], "b started while big.img was hashed")
        XCTAssertEqual(fs.hashesThatWaitedInVain, 0)
        XCTAssertEqual(store.trace(for: "a")?.components.first { $0.name == "in:big.img" }?.value,
                       SHA256.digest(String(repeating: "x", count: 2 << 20)).hex)
    }

    /// The instances of a fan-out share their image: it is read by one job, not one each.
    func testInstancesThatShareALargeInputHashItOnce() throws {
        let memory = InMemoryFileSystem(["big.img": String(repeating: "x", count: 2 << 20)])
        let fs = SlowDiskFileSystem(memory)
        fs.release()
        let executor = RecordingExecutor(hostName: "local", fileSystem: memory) { _ in 0 }
        let (summary, _) = try build("""
            load: big.img
                foreach node in 1-3
                parallel 3
                run load $(node)
            """, targets: ["load"], fs: fs, executors: ["local": executor], store: MemoryTraceStore())
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(fs.hashesWhileUnknown, 1)
    }
}
