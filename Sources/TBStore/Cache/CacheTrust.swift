#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who may have written a cache's metadata (action entries, `objects.verified` and the
/// directories holding them), after OpenSSH's `StrictModes`: a file or directory is
/// accepted only if it is owned by root or by the owner of the cache directory, and
/// neither it nor a directory above it can be written by anyone else.
///
/// A cache directory with the setgid bit shares the cache with its group: files and
/// directories of that group may then be owned by any user and be group-writable.
/// Directories above the cache directory may be writable by others only with the
/// sticky bit (`/tmp`).
struct CacheTrust {
    /// The cache directory's owner.
    let owner: UInt32
    /// The cache directory's group, when it is setgid.
    let sharedGroup: UInt32?
    /// Why the cache directory or a directory above it is not safe, if so.
    let rootProblem: String?

    /// The trust of the cache at `root`; nil while the directory does not exist.
    init?(root: String) {
        guard let rootStat = FileStat.stat(root), rootStat.isDirectory else { return nil }
        owner = rootStat.owner
        sharedGroup = rootStat.mode & UInt32(S_ISGID) != 0 ? rootStat.group : nil
        var problem: String?
        var path = CacheTrust.absolute(root)
        while problem == nil, path != "/" {
            path = FileSystem.parentDirectory(path)
            guard let above = FileStat.stat(path) else { break }
            problem = CacheTrust.ancestorProblem(above, owner: owner).map { "\(path) is \($0)" }
        }
        rootProblem = problem ?? CacheTrust.problem(rootStat, owner: owner, sharedGroup: sharedGroup).map { "\(root) is \($0)" }
    }

    /// Why `stat` (of `path`, a file or directory of the cache) is not safe, or nil.
    func problem(_ path: String, _ stat: FileStat) -> String? {
        if let rootProblem { return rootProblem }
        return CacheTrust.problem(stat, owner: owner, sharedGroup: sharedGroup).map { "\(path) is \($0)" }
    }

    /// Whether an object file can be vouched for by its recorded stat: owned by someone
    /// the cache trusts, in directories only they can write.
    func acceptsObject(_ stat: FileStat, directories: [String]) -> Bool {
        guard rootProblem == nil, problem("", stat) == nil else { return false }
        return directories.allSatisfy { directory in FileStat.lstat(directory).map { problem(directory, $0) == nil } ?? false }
    }

    private static func problem(_ stat: FileStat, owner: UInt32, sharedGroup: UInt32?) -> String? {
        let mode = String(stat.mode & 0o7777, radix: 8)
        let inSharedGroup = sharedGroup == stat.group
        if stat.owner != 0 && stat.owner != owner && !inSharedGroup {
            return "owned by uid \(stat.owner), not by the cache's owner (uid \(owner))"
        }
        if stat.mode & 0o002 != 0 { return "writable by every user (mode \(mode))" }
        if stat.mode & 0o020 != 0 && !inSharedGroup {
            return "writable by group \(stat.group) (mode \(mode)), and the cache directory is not setgid to that group"
        }
        return nil
    }

    private static func ancestorProblem(_ stat: FileStat, owner: UInt32) -> String? {
        guard stat.mode & UInt32(S_ISVTX) == 0 else { return nil }   // /tmp: only owners rename their entries
        if stat.owner != 0 && stat.owner != owner {
            return "owned by uid \(stat.owner), not by the cache's owner (uid \(owner)) or root"
        }
        if stat.mode & 0o022 != 0 {
            return "writable by others than its owner (mode \(String(stat.mode & 0o7777, radix: 8)))"
        }
        return nil
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" + path }
        let cwd = String(cString: buffer)
        return (cwd == "/" ? "" : cwd) + "/" + path
    }
}
