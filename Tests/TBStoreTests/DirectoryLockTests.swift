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
        #expect(throws: StoreError.locked(path: path, holderPid: nil)) {
            try DirectoryLock.acquire(path: path)
        }
    }
}
