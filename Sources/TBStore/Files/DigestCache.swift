#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stat-keyed digest cache: a file whose (size, mtime, ctime, inode) is unchanged since it
/// was hashed is not read again.
///
/// Racily clean files: file timestamps are coarse (a kernel tick), so a file rewritten with
/// the same size right after it was hashed can keep the stat the entry recorded. As git
/// does, an entry is trusted only if the file's mtime and ctime are older than the moment
/// hashing began minus `racyMarginNs`; otherwise the file is hashed again. Such an entry
/// becomes trustworthy once it is rehashed later.
///
/// Thread-safe: lookups from several threads are serialised by a lock, hashing itself runs
/// outside it, so files are hashed in parallel.
public final class DigestCache: @unchecked Sendable {
    /// 50 ms: several kernel ticks, far above the lag of the coarse clock behind timestamps.
    public static let defaultRacyMarginNs: Int64 = 50_000_000

    private let lock = PthreadMutex()
    private var entries: [String: DigestCacheEntry]
    private var changed: Set<String> = []
    private var hashes = 0
    private let racyMarginNs: Int64

    /// A cache holding `entries`, typically `BuildLog.fileDigests`, keyed by path as the
    /// caller spells it.
    public init(entries: [String: DigestCacheEntry] = [:], racyMarginNs: Int64 = DigestCache.defaultRacyMarginNs) {
        self.entries = entries
        self.racyMarginNs = racyMarginNs
    }

    /// Digest of the regular file at `path`, following symlinks. Throws `.io` if it is
    /// missing, unreadable or not a regular file.
    public func digest(ofFile path: String) throws(StoreError) -> Digest {
        guard let stat = FileStat.stat(path) else { throw .lastIO("stat", path) }
        return try digest(ofFile: path, stat: stat)
    }

    /// Digest of the file at `path`, when the caller already has its `stat` (following
    /// symlinks). The stat is trusted as the cache key.
    public func digest(ofFile path: String, stat: FileStat) throws(StoreError) -> Digest {
        guard stat.isRegular else {
            throw .io(operation: "hash", path: path, errno: stat.isDirectory ? EISDIR : EINVAL)
        }
        if let digest = remembered(path, stat: stat) { return digest }
        // Taken before reading: a write after this instant gives the file a timestamp too
        // recent for the entry to be trusted.
        let hashedAt = wallClockNs()
        let digest = try SHA256.digest(fileAt: path)
        lock.withLock { hashes += 1 }
        remember(digest, for: path, stat: stat, hashedAtNs: hashedAt)
        return digest
    }

    /// Entries added or updated since init or the last call, sorted by path (to append to
    /// the build log at the end of a run); forgets that they changed.
    public func takeChangedEntries() -> [(path: String, entry: DigestCacheEntry)] {
        lock.withLock {
            let result = changed.sorted().map { (path: $0, entry: entries[$0]!) }
            changed.removeAll()
            return result
        }
    }

    /// How many files were actually read and hashed.
    public var hashCount: Int {
        lock.withLock { hashes }
    }

    /// The digest remembered for `key` if it was taken under exactly `stat` and is not
    /// racily clean. For files hashed elsewhere (a file on a remote host, keyed
    /// `ssh://…`): `stat` and the entry's `hashedAtNs` come from that host and its clock.
    public func remembered(_ key: String, stat: FileStat) -> Digest? {
        guard let cached = lock.withLock({ entries[key] }), cached.matches(stat),
              max(stat.mtimeNs, stat.ctimeNs) < cached.hashedAtNs - racyMarginNs
        else { return nil }
        return cached.digest
    }

    /// Remembers `digest` for `key`: the content the file had under `stat`, hashed by
    /// someone else (a remote `sha256sum`) starting at `hashedAtNs` on the clock of the
    /// host holding the file. Kept and persisted like the entries of local files.
    public func remember(_ digest: Digest, for key: String, stat: FileStat, hashedAtNs: Int64) {
        let entry = DigestCacheEntry(size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs,
                                     inode: stat.inode, hashedAtNs: hashedAtNs, digest: digest)
        lock.withLock {
            entries[key] = entry
            changed.insert(key)
        }
    }

    /// The entry for `path`, if any.
    public func entry(forPath path: String) -> DigestCacheEntry? {
        lock.withLock { entries[path] }
    }
}
