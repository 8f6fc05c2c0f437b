#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A content-addressed store of immutable objects under `root`: the artifact cache
/// (`<project>/cache` by default, or a directory several checkouts and users of one
/// machine share).
///
/// Layout:
///
///     root/VERSION               "tbmake cache v1"
///     root/objects/ab/abcdef…    one file per content, named by its SHA-256 (64 hex)
///     root/actions/ab/<key hex>  action entries (see `recordAction`)
///     root/objects.verified      the verification record (see below)
///     root/runs.log              hits and misses of recent runs
///     root/tmp/                  files being written
///
/// Nothing is created until the first write: a dry run that only asks questions leaves no
/// trace, and a missing root reads as an empty cache. A root whose VERSION says another
/// format is never read (it reads as empty) nor written (`unsupportedCache`).
///
/// **Writes.** An object is written under `root/tmp/`, fsynced, and only then given its
/// name with `link(2)` (or `rename(2)`), so no process ever sees a partial object under
/// an object name; a full disk or a failure half-way leaves at most a temporary file,
/// which is removed before the error is thrown. Two writers of the same content are
/// harmless: the second finds the name taken and discards its copy.
///
/// **Objects are read-only** (0444, or 0555 when the stored file had an executable bit),
/// and carry a modification time one second before they were written (the
/// *modification stamp*), so that any later write to them changes their mtime.
///
/// **Verification record.** An object is trusted without reading it only if its stat
/// (inode, size, mtime) equals the one recorded when it was stored or last hashed; the
/// record lives in `root/objects.verified` (`ObjectRecords`) and is shared by every
/// process using the cache. Otherwise the object is rehashed; if its content does not
/// match its name it is removed and `corruptObject` is thrown. This catches a flipped
/// byte or a truncation done through the file system (both change mtime and usually
/// size); it does not catch a write followed by deliberately resetting the mtime, nor
/// bit rot under an unchanged stat: `verify()` rehashes everything for that.
///
/// **Anything but a regular file** under an object's name (a FIFO, socket, device,
/// directory or symlink) is corrupt: it is never opened in a way that could block or
/// follow it, and is removed (`notAnObject`). FIFOs in place of the other files of the
/// cache (action entries, records, `runs.log`, VERSION) never block either.
///
/// **Trust.** Action entries and the verification record are used only if nobody but
/// the cache's owner (or its group, when the cache directory is setgid) could have
/// written them (`CacheTrust`); a refusal is warned once (`onWarning`). An object the
/// cache cannot vouch for is rehashed as it is copied, never linked.
///
/// **Restoring** (`restore`) places an object with, in order of preference:
/// 1. a reflink (`ioctl(FICLONE)`, btrfs/XFS): copy-on-write, an edit never reaches the
///    object;
/// 2. a hard link, when the requested permissions equal the object's (0444 or 0555) and
///    the destination is on the cache's file system: no data is read or written. The
///    restored file shares the object's inode; being read-only it cannot be edited by
///    accident (and the engine removes such an output before its recipe runs), and if it
///    is edited anyway (by root, or after a chmod) the object's mtime changes, so the
///    next restore or store rehashes it, finds it corrupt and removes it: a modification
///    is detected, never propagated;
/// 3. a streamed copy (`sendfile(2)`, or `read`/`write` through a 1 MiB buffer).
/// The file is made under a temporary name in the destination directory, then renamed
/// over `path`, so readers see the old file or the whole new one. Restored files are not
/// fsynced: after a power cut the engine sees an output that does not match its trace
/// and restores it again.
///
/// **Last use** (for `collectGarbage`) is the object's atime, set explicitly with
/// `futimens`/`utimensat` on store and restore (so it does not depend on the mount's
/// atime options), and put back after `verify()` reads an object. Setting it needs
/// ownership of the object: in a cache shared by several users, a restore by another
/// user does not refresh it.
///
/// **Memory.** Storing, hashing and copying go through one fixed 1 MiB buffer per call:
/// memory use does not depend on file size.
///
/// Thread-safe: one instance may be used from several threads, and several instances
/// and processes may share one root.
public final class ContentStore: @unchecked Sendable {
    /// Content of `root/VERSION`.
    public static let versionLine = "tbmake cache v1"
    /// Bytes per read, write and hash step.
    static let bufferSize = 1 << 20

    public let root: String
    let objectsDirectory: String
    let actionsDirectory: String
    let temporaryDirectory: String

    let lock = PthreadMutex()
    private let records: ObjectRecords
    private var layoutReady = false
    private var versionState: VersionState?
    private var rehashes = 0
    /// Apart from `lock`: the records consult it while `lock` is held.
    private let trustLock = PthreadMutex()
    private var cachedTrust: CacheTrust?
    private var warning: String?
    private var warningHandler: ((String) -> Void)?

    /// A store at `root`; touches nothing on disk. Throws `.io` (EINVAL) for an empty path.
    public init(root: String) throws(StoreError) {
        var trimmed = Substring(root)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty else { throw .io(operation: "use cache directory", path: root, errno: EINVAL) }
        self.root = String(trimmed)
        objectsDirectory = self.root + "/objects"
        actionsDirectory = self.root + "/actions"
        temporaryDirectory = self.root + "/tmp"
        records = ObjectRecords(root: self.root, temporaryDirectory: temporaryDirectory)
        let recordsPath = records.path
        records.problem = { [unowned self] stat in metadataProblem(recordsPath, stat, directories: []) }
    }

    /// Path of object `digest`: `root/objects/ab/abcdef…`.
    public func objectPath(_ digest: Digest) -> String {
        let hex = digest.hex
        return objectsDirectory + "/" + hex.prefix(2) + "/" + hex
    }

    /// True if an object named `digest` is present (its content is checked only when it
    /// is restored).
    public func contains(_ digest: Digest) -> Bool {
        guard (try? checkReadable()) != nil else { return false }
        return FileStat.lstat(objectPath(digest))?.isRegular == true
    }

    // MARK: - Trust (see `CacheTrust`)

    /// Calls `handler` with the warning printed when cache metadata is refused (once per
    /// instance, from the thread that met it).
    public func onWarning(_ handler: @escaping (String) -> Void) {
        trustLock.withLock { warningHandler = handler }
    }

    /// The warning given when metadata was first refused, if any.
    public var refusalWarning: String? { trustLock.withLock { warning } }

    /// Why the metadata file `path` (with `stat`, in `directories` below the root) may
    /// have been written by someone the cache does not trust, or nil.
    func metadataProblem(_ path: String, _ stat: FileStat, directories: [String]) -> String? {
        guard let trust = trust() else { return nil }
        for directory in directories {
            guard let directoryStat = FileStat.lstat(directory) else { continue }
            if let problem = trust.problem(directory, directoryStat) { return problem }
        }
        return trust.problem(path, stat)
    }

    /// Whether the object at `path` may be vouched for by its recorded stat.
    func objectIsTrusted(_ path: String, _ stat: FileStat) -> Bool {
        guard let trust = trust() else { return false }
        return trust.acceptsObject(stat, directories: [objectsDirectory, FileSystem.parentDirectory(path)])
    }

    /// Gives the refusal warning, the first time only.
    func refuse(_ problem: String) {
        let (handler, message): (((String) -> Void)?, String?) = trustLock.withLock {
            guard warning == nil else { return (nil, nil) }
            warning = "not trusting cache metadata that another user may have written: \(problem); "
                + "its action entries and verification records are ignored (see \"Sharing a cache\" in the README)"
            return (warningHandler, warning)
        }
        if let handler, let message { handler(message) }
    }

    private func trust() -> CacheTrust? {
        trustLock.withLock {
            if cachedTrust == nil { cachedTrust = CacheTrust(root: root) }
            return cachedTrust
        }
    }

    /// How many times an object was read and hashed to verify it (in `restore`, `store`
    /// and `verify`), since this instance was made. Tests use it.
    var rehashCount: Int { lock.withLock { rehashes } }

    // MARK: - Verification record

    /// True if `stat` is what `digest` had when last found intact, and the object is one
    /// the cache trusts (`objectIsTrusted`).
    func isTrusted(_ digest: Digest, _ stat: FileStat) -> Bool {
        stat.isRegular && objectIsTrusted(objectPath(digest), stat)
            && withRecords { $0.matches(digest, ObjectStat(stat)) }
    }

    func recordIntact(_ digest: Digest, _ stat: FileStat) {
        withRecords { $0.record(digest, ObjectStat(stat)) }
    }

    func forgetRecords(_ digests: Set<Digest>) {
        guard !digests.isEmpty else { return }
        withRecords { $0.forget(digests) }
    }

    /// Runs `body` on the records under the lock; a refusal they met is warned after.
    private func withRecords<T>(_ body: (ObjectRecords) -> T) -> T {
        let (result, refusal) = lock.withLock { (body(records), records.takeRefusal()) }
        if let refusal { refuse(refusal) }
        return result
    }

    func countRehash() {
        lock.withLock { rehashes += 1 }
    }

    /// Hashes an open object, counting it as a rehash.
    func rehash(_ file: FileDescriptor) throws(StoreError) -> Digest {
        countRehash()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentStore.bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        return try file.hash(through: buffer)
    }

    /// Removes the object file at `path` if it is still the inode that was found corrupt
    /// (not a good copy another process put there meanwhile).
    func removeObject(at path: String, inode: UInt64) {
        if let current = FileStat.lstat(path), current.inode == inode { _ = unlink(path) }
    }

    /// Removes what stands at the name of object `digest` when it is not a regular file
    /// (a FIFO, socket, device, directory or symlink) and returns the error that says so.
    func removeStray(_ digest: Digest) -> StoreError {
        let path = objectPath(digest)
        let kind = FileStat.lstat(path)?.kindName ?? "an unknown kind of file"
        removeEntry(path)
        forgetRecords([digest])
        return .notAnObject(digest: digest, path: path, kind: kind)
    }

    /// Sets an object's last-use time to now (best effort: see the type's documentation).
    func touch(_ path: String) {
        var times = [timespec(tv_sec: 0, tv_nsec: utimeNow), timespec(tv_sec: 0, tv_nsec: utimeOmit)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    /// The modification stamp objects carry: one second before now, on a whole second.
    /// Any write to an object sets its mtime to the current time, which can never equal it.
    static func modificationStamp() -> timespec {
        timespec(tv_sec: time(nil) - 1, tv_nsec: 0)
    }

    // MARK: - Layout and version

    private enum VersionState { case compatible, incompatible(String) }

    /// Throws `unsupportedCache` if the root holds a VERSION of another format. A missing
    /// root or VERSION is fine (empty cache).
    func checkReadable() throws(StoreError) {
        let state: VersionState = lock.withLock {
            if let versionState { return versionState }
            let path = root + "/VERSION"
            let opened: (file: FileDescriptor, stat: FileStat)?
            do { opened = try FileDescriptor.openRegular(path) } catch { return .compatible }
            guard let (file, _) = opened else {
                let state = VersionState.incompatible(FileStat.lstat(path)?.kindName ?? "")
                versionState = state
                return state
            }
            let text = String(decoding: (try? file.readToEnd()) ?? [], as: UTF8.self)
            let found = text.hasSuffix("\n") ? String(text.dropLast()) : text
            let state: VersionState = found == ContentStore.versionLine ? .compatible : .incompatible(found)
            versionState = state
            return state
        }
        if case .incompatible(let found) = state { throw .unsupportedCache(path: root, found: found) }
    }

    /// Creates root, VERSION, objects/, actions/ and tmp/ if missing; throws `.io` naming
    /// what could not be created (root is a file, read-only file system, ...).
    func prepareForWriting() throws(StoreError) {
        if lock.withLock({ layoutReady }) { return }
        try checkReadable()
        try FileSystem.makeDirectories(root, mode: 0o777)
        for directory in [objectsDirectory, actionsDirectory, temporaryDirectory] {
            try FileSystem.makeDirectories(directory, mode: 0o777)
        }
        let versionPath = root + "/VERSION"
        if FileStat.lstat(versionPath) == nil {
            let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "version-")
            try temporary.file!.write(Array((ContentStore.versionLine + "\n").utf8))
            try temporary.file!.sync()
            // link, not rename: if another process made VERSION meanwhile, keep theirs.
            if link(temporary.path, versionPath) != 0 && errno != EEXIST {
                throw .lastIO("create", versionPath)
            }
            lock.withLock { versionState = nil }
            try checkReadable()
        }
        lock.withLock { layoutReady = true }
        // Once per process that writes: what killed writers left behind.
        removeAbandonedTemporaries(includingOld: false)
    }

    /// Creates the shard directory `base/ab` of `hex`, returning its path.
    func shardDirectory(_ base: String, _ hex: String) throws(StoreError) -> String {
        let shard = base + "/" + hex.prefix(2)
        if mkdir(shard, 0o777) != 0 && errno != EEXIST { throw .lastIO("create directory", shard) }
        return shard
    }
}
