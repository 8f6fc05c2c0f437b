import Foundation
import Testing
@testable import TBStore

// Helpers for the Cache*Tests suites.

/// A cache in a fresh temporary directory: `directory.file("cache")`, not yet created.
struct CacheFixture {
    let directory = TemporaryDirectory()
    var root: String { directory.file("cache") }

    func store() throws -> ContentStore { try ContentStore(root: root) }

    /// Writes a source file with `bytes` and permission bits `mode`.
    @discardableResult
    func source(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o644) -> String {
        let path = directory.file(name)
        writeFile(path, bytes)
        chmod(path, mode)
        return path
    }

    func source(_ name: String, _ text: String, mode: mode_t = 0o644) -> String {
        source(name, Array(text.utf8), mode: mode)
    }

    /// Names in root/tmp (leftover temporary files).
    func temporaries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: root + "/tmp")) ?? []
    }
}

/// Names in `directory` that look like restore temporaries (".name.tbmake-…").
func restoreTemporaries(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tbmake-") }
}

func permissions(_ path: String) -> UInt32 {
    (FileStat.lstat(path)?.mode ?? 0) & 0o7777
}

func linkCount(_ path: String) -> Int {
    var st = stat()
    guard lstat(path, &st) == 0 else { return -1 }
    return Int(st.st_nlink)
}

/// `sha256sum path`, parsed.
func sha256sum(_ path: String) throws -> Digest? {
    let (status, output) = try run("/usr/bin/sha256sum", [path])
    guard status == 0 else { return nil }
    return Digest(lowercaseHex: output.prefix(64))
}

/// Writes `mebibytes` MiB made of one seeded pseudo-random MiB repeated, each copy with
/// its index in the first 8 bytes (so no two MiB are equal), through a 1 MiB buffer.
func writeLargeFile(_ path: String, mebibytes: Int, seed: UInt64 = 42) {
    var state = seed
    var block = [UInt8](repeating: 0, count: 1 << 20)
    for i in 0..<block.count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        block[i] = UInt8(truncatingIfNeeded: state >> 33)
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    defer { close(fd) }
    for index in 0..<mebibytes {
        withUnsafeBytes(of: UInt64(index)) { for j in 0..<8 { block[j] = $0[j] } }
        let written = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(written == block.count)
    }
}

/// Flips one byte of the file at `path` in place, as a user with `chmod u+w` would.
func flipByte(_ path: String, at offset: Int = 0) {
    chmod(path, 0o644)
    let fd = open(path, O_RDWR)
    precondition(fd >= 0)
    defer { close(fd) }
    var byte: UInt8 = 0
    precondition(pread(fd, &byte, 1, off_t(offset)) == 1)
    byte ^= 0x01
    precondition(pwrite(fd, &byte, 1, off_t(offset)) == 1)
}

/// Sets a file's atime (last use) to `seconds` since the epoch, leaving mtime alone.
func setLastUse(_ path: String, seconds: Int) {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2)]
    precondition(utimensat(AT_FDCWD, path, &times, 0) == 0)
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted when released; nil when
/// mounting is not permitted (not root, no CAP_SYS_ADMIN).
final class TmpfsMount {
    let directory = TemporaryDirectory()
    var path: String { directory.path }

    init?(size: String) {
        let (status, _) = (try? run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path])) ?? (1, "")
        if status != 0 { return nil }
    }

    deinit { _ = try? run("/usr/bin/umount", [directory.path]) }

    /// Whether this process may mount one (tried once): tests that need a tmpfs are
    /// skipped, and reported as skipped, where it may not.
    static let canMount: Bool = TmpfsMount(size: "1m") != nil
}

/// Peak resident set size of this process, bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}
