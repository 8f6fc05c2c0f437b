import Foundation
import Testing
@testable import TBStore

@Suite struct DirectoryLockTests {
    @Test func secondAcquireFailsWithTheHoldersPid() throws {
        let directory = TemporaryDirectory()
        let path = directory.file(".tbmake/lock")
        var first: DirectoryLock? = try DirectoryLock.acquire(path: path)
        #expect(readText(path) == "\(getpid())\n")
        // A second open file description conflicts even within one process.
        #expect(throws: StoreError.locked(path: path, holderPid: getpid())) {
            try DirectoryLock.acquire(path: path)
        }
        _ = first
        first = nil
        let again = try DirectoryLock.acquire(path: path)
        #expect(again.path == path)
    }

    @Test func anotherProcessSeesTheLock() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("lock")
        do {
            let held = try DirectoryLock.acquire(path: path)
            // flock(1) -n exits 1 when the lock is taken.
            #expect(try run("/usr/bin/flock", ["-n", path, "true"]).status == 1)
            _ = held
        }
        #expect(try run("/usr/bin/flock", ["-n", path, "true"]).status == 0)
    }

    /// A holder that writes no pid (flock(1)) is named all the same: by the kernel's
    /// table of locks.
    @Test func lockHeldByAnotherProcessWithoutPid() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("lock")
        writeFile(path, "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["--no-fork", path, "sleep", "5"]
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        // Wait until the child holds it.
        var attempts = 0
        while (try run("/usr/bin/flock", ["-n", path, "true"]).status) == 0 && attempts < 100 {
            usleep(20_000)
            attempts += 1
        }
        #expect(throws: StoreError.locked(path: path, holderPid: process.processIdentifier)) {
            try DirectoryLock.acquire(path: path)
        }
        #expect(readText(path) == "", "the refused process wrote nothing")
    }

    /// The holder takes the lock, then writes its pid: a refusal in between still names it.
    /// One thread takes and lets go of the lock 2,000 times while another tries to take it.
    @Test func aRefusalAlwaysNamesTheHolder() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("lock")
        let done = Atomic(false)
        let holder = Thread {
            for _ in 0..<2000 { _ = try? DirectoryLock.acquire(path: path) }
            done.set(true)
        }
        holder.start()
        var refusals = 0
        var unnamed = 0
        while !done.get() {
            do { _ = try DirectoryLock.acquire(path: path) } catch let StoreError.locked(_, pid) {
                refusals += 1
                if pid != getpid() { unnamed += 1 }
            }
        }
        #expect(refusals > 0, "the two threads met")
        #expect(unnamed == 0, "\(unnamed) of \(refusals) refusals did not name this process")
    }

    @Test func releasingEmptiesTheFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("lock")
        do {
            let held = try DirectoryLock.acquire(path: path)
            #expect(readText(path) == "\(getpid())\n")
            _ = held
        }
        #expect(readText(path) == "", "no pid of a process that has let go")
    }
}

/// A flag shared by two threads.
private final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool
    init(_ value: Bool) { self.value = value }
    func get() -> Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ newValue: Bool) { lock.lock(); value = newValue; lock.unlock() }
}
