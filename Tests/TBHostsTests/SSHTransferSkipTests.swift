import Foundation
import TBTestSupport
import TBEngine
import TBHosts
import TBStore
import XCTest

/// `put` and `get` over a real sshd skip files whose destination already has the same
/// content and mode. A skipped copy leaves the destination's inode as it was (a copy is
/// always a new file renamed into place), which is what these tests look at.
final class SSHTransferSkipTests: XCTestCase {
    private var sshd: TestSSHD!
    private var project: TemporaryDirectory!

    override func setUpWithError() throws {
        sshd = try TestSSHD()
        project = try TemporaryDirectory()
        try sshd.knownHostsLine().write(toFile: project.path + "/known_hosts", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        sshd = nil
        project = nil
    }

    private func makeExecutor(digests: DigestCache?) -> SSHExecutor {
        SSHExecutor(hostName: "dev2", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
                    options: SSHOptions(identityFiles: [sshd.userKey], knownHostsFile: project.path + "/known_hosts",
                                        strictHostKeyChecking: .yes, connectTimeout: 5, useAgent: false),
                    projectDirectory: project.path, digests: digests)
    }

    private func inode(_ path: String) -> UInt64? {
        FileStat.lstat(path)?.inode
    }

    private func sha256(_ text: String) -> String {
        SHA256.digest(Array(text.utf8)).hex
    }

    func testUnchangedFileIsNotCopiedAgain() throws {
        try project.write("tool.sh", "echo v1\n", mode: 0o755)
        let executor = makeExecutor(digests: DigestCache())
        let remote = sshd.home + "/bin/tool.sh"
        XCTAssertEqual(try executor.put(from: "tool.sh", to: "bin/tool.sh"), .copied)
        let first = inode(remote)
        XCTAssertEqual(try executor.put(from: "tool.sh", to: "bin/tool.sh"), .unchanged(digest: sha256("echo v1\n")))
        XCTAssertEqual(inode(remote), first)

        // Same size, new content: copied.
        try project.write("tool.sh", "echo v2\n", mode: 0o755)
        XCTAssertEqual(try executor.put(from: "tool.sh", to: "bin/tool.sh"), .copied)
        XCTAssertEqual(try readText(remote), "echo v2\n")
        XCTAssertNotEqual(inode(remote), first)
    }

    func testFileChangedOnTheHostIsCopiedAgain() throws {
        try project.write("a.conf", "port=1\n")
        let executor = makeExecutor(digests: DigestCache())
        let remote = sshd.home + "/a.conf"
        XCTAssertEqual(try executor.put(from: "a.conf", to: "a.conf"), .copied)
        try "port=2\n".write(toFile: remote, atomically: false, encoding: .utf8)
        XCTAssertEqual(try executor.put(from: "a.conf", to: "a.conf"), .copied)
        XCTAssertEqual(try readText(remote), "port=1\n")
    }

    func testOnlyTheModeDifferingIsFixedWithoutCopying() throws {
        try project.write("run.sh", "#!/bin/sh\n", mode: 0o644)
        let executor = makeExecutor(digests: DigestCache())
        let remote = sshd.home + "/run.sh"
        XCTAssertEqual(try executor.put(from: "run.sh", to: "run.sh"), .copied)
        let first = inode(remote)
        XCTAssertEqual(chmod(project.path + "/run.sh", 0o750), 0)
        XCTAssertEqual(try executor.put(from: "run.sh", to: "run.sh"), .unchanged(digest: sha256("#!/bin/sh\n")))
        XCTAssertEqual(permissions(remote), 0o750)
        XCTAssertEqual(inode(remote), first)
    }

    func testSymlinkAtTheDestinationIsReplacedByTheFile() throws {
        try project.write("a.txt", "same\n")
        try "same\n".write(toFile: sshd.home + "/target.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: sshd.home + "/a.txt", withDestinationPath: "target.txt")
        XCTAssertEqual(try makeExecutor(digests: DigestCache()).put(from: "a.txt", to: "a.txt"), .copied)
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: sshd.home + "/a.txt"))
        XCTAssertEqual(try readText(sshd.home + "/a.txt"), "same\n")
    }

    func testSymlinkWhoseNameIsAsLongAsTheFileIsReplacedToo() throws {
        // The link's own size (its target's name, 6 bytes) equals the file's: still not a file.
        try project.write("a.txt", "same!\n")
        try "same!\n".write(toFile: sshd.home + "/target", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: sshd.home + "/a.txt", withDestinationPath: "target")
        XCTAssertEqual(try makeExecutor(digests: DigestCache()).put(from: "a.txt", to: "a.txt"), .copied)
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: sshd.home + "/a.txt"))
    }

    func testWithoutDigestCacheEveryPutCopies() throws {
        try project.write("a.txt", "x\n")
        let executor = makeExecutor(digests: nil)
        XCTAssertEqual(try executor.put(from: "a.txt", to: "a.txt"), .copied)
        XCTAssertEqual(try executor.put(from: "a.txt", to: "a.txt"), .copied)
    }

    func testUnchangedGetIsNotCopiedAgain() throws {
        try "rpm bytes\n".write(toFile: sshd.home + "/pkg.rpm", atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(sshd.home + "/pkg.rpm", 0o640), 0)
        let executor = makeExecutor(digests: DigestCache())
        let local = project.path + "/dist/pkg.rpm"
        XCTAssertEqual(try executor.get(from: "pkg.rpm", to: "dist/pkg.rpm"), .copied)
        let first = inode(local)
        XCTAssertEqual(try executor.get(from: "pkg.rpm", to: "dist/pkg.rpm"), .unchanged(digest: sha256("rpm bytes\n")))
        XCTAssertEqual(inode(local), first)
        XCTAssertEqual(permissions(local), 0o640)

        try "rpm BYTES\n".write(toFile: sshd.home + "/pkg.rpm", atomically: false, encoding: .utf8)
        XCTAssertEqual(try executor.get(from: "pkg.rpm", to: "dist/pkg.rpm"), .copied)
        XCTAssertEqual(try readText(local), "rpm BYTES\n")
    }

    /// A large file's remote digest is computed once and remembered by its remote stat,
    /// in the digest cache (which the build log persists): a later run with the
    /// remembered entries neither copies nor hashes it again.
    func testLargeFileRemoteDigestIsRemembered() throws {
        let size = Int(SSHExecutor.rememberedSize) + 4096
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: project.path + "/image.bin"))
        let digest = SHA256.digest(bytes).hex
        let remote = sshd.home + "/image.bin"

        let firstRun = DigestCache()
        XCTAssertEqual(try makeExecutor(digests: firstRun).put(from: "image.bin", to: "image.bin"), .copied)
        _ = firstRun.takeChangedEntries()
        // Let the copy's timestamps age past the racy margin, as between two real runs.
        usleep(UInt32(DigestCache.defaultRacyMarginNs / 1000) * 3)
        XCTAssertEqual(try makeExecutor(digests: firstRun).put(from: "image.bin", to: "image.bin"),
                       .unchanged(digest: digest))
        let remembered = firstRun.takeChangedEntries().filter { $0.path.hasPrefix("ssh://") }
        XCTAssertEqual(remembered.map(\.path), ["ssh://root@127.0.0.1:\(sshd.port)\(remote)"])
        XCTAssertEqual(remembered.first?.entry.digest.hex, digest)
        XCTAssertEqual(remembered.first?.entry.inode, inode(remote))

        // The next run starts from the persisted entries: nothing is hashed or copied.
        // (The project is not the working directory here, so the local file is keyed by its absolute path.)
        let localKey = project.path + "/image.bin"
        let local = try XCTUnwrap(firstRun.entry(forPath: localKey))
        let nextRun = DigestCache(entries: [localKey: local, remembered[0].path: remembered[0].entry])
        let before = inode(remote)
        XCTAssertEqual(try makeExecutor(digests: nextRun).put(from: "image.bin", to: "image.bin"),
                       .unchanged(digest: digest))
        XCTAssertEqual(inode(remote), before)
        XCTAssertTrue(nextRun.takeChangedEntries().isEmpty)
        XCTAssertEqual(nextRun.hashCount, 0)

        // Rewritten on the host with the same size: the stat differs, so it is hashed again and copied.
        var changed = bytes
        changed[size / 2] ^= 0xFF
        try Data(changed).write(to: URL(fileURLWithPath: remote))
        XCTAssertEqual(try makeExecutor(digests: nextRun).put(from: "image.bin", to: "image.bin"), .copied)
        XCTAssertEqual(SHA256.digest([UInt8](try Data(contentsOf: URL(fileURLWithPath: remote)))).hex, digest)
    }
}
