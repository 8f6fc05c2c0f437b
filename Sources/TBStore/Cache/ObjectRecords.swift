#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an object's `stat` was when its content was last hashed and found to match its
/// name: the verification record's key.
///
/// ctime is deliberately not part of it: `link(2)` and `unlink(2)` change an inode's
/// ctime, so every restore by hard link, and every `rm` of a restored file in any checkout
/// sharing the cache, would make the object look changed. Content writes are caught by
/// mtime instead: objects are stamped with an mtime in the past (see
/// `ContentStore.modificationStamp`), so a write at any later instant changes it.
struct ObjectStat: Equatable {
    var inode: UInt64
    var size: Int64
    var mtimeNs: Int64

    init(inode: UInt64, size: Int64, mtimeNs: Int64) {
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
    }

    init(_ stat: FileStat) {
        self.init(inode: stat.inode, size: stat.size, mtimeNs: stat.mtimeNs)
    }
}

/// The cache's verification record, persisted in `root/objects.verified` so that another
/// process (or the next run) trusts what this one verified.
///
/// Format: the line `tbmake verified v1`, then `<digest hex> <inode> <size> <mtime ns>`
/// per line. Lines are appended with one `write(2)` on an `O_APPEND` descriptor, so
/// several processes may append at once; a later line for a digest replaces an earlier one.
/// The record is only an optimisation: a lost, stale, torn or foreign line costs one rehash,
/// never a wrong answer, because an entry is trusted only while the object's stat equals it.
/// Hence every failure to read or write it is ignored.
///
/// The record is also what lets an object be used without reading it, so a file that
/// someone the cache does not trust may have written (`problem` says why) is neither read
/// nor appended to: objects are then rehashed before use (`takeRefusal` tells the caller).
///
/// Not thread-safe: `ContentStore` serialises access.
final class ObjectRecords {
    static let fileName = "objects.verified"
    static let signature = "tbmake verified v1"

    let path: String
    private let temporaryDirectory: String
    private var entries: [Digest: ObjectStat] = [:]
    /// Bytes of the file consumed so far, and the inode they came from.
    private var loadedLength: Int64 = 0
    private var loadedInode: UInt64?
    private var lineCount = 0
    /// Why the file at `path` (with this stat) may not be trusted, or nil.
    var problem: (FileStat) -> String? = { _ in nil }
    private var refusal: String?

    init(root: String, temporaryDirectory: String) {
        path = root + "/" + ObjectRecords.fileName
        self.temporaryDirectory = temporaryDirectory
    }

    /// The recorded stat of `digest`, reading what other processes appended meanwhile if
    /// this process has no matching entry.
    func matches(_ digest: Digest, _ stat: ObjectStat) -> Bool {
        if entries[digest] == stat { return true }
        refresh()
        return entries[digest] == stat
    }

    /// Remembers `stat` for `digest` and appends it to the file (best effort).
    func record(_ digest: Digest, _ stat: ObjectStat) {
        guard entries[digest] != stat else { return }
        entries[digest] = stat
        let line = Array(Self.line(digest, stat).utf8)
        // A new file gets its signature in the same write, so no reader sees it headless.
        if let file = try? FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL) {
            try? file.write(Array((Self.signature + "\n").utf8) + line)
        } else if let file = try? FileDescriptor.open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_NOFOLLOW),
                  let stat = try? file.stat(), stat.isRegular, isAccepted(stat) {
            try? file.write(line)
        }
    }

    /// The problem met since the last call, if any (for the caller's warning).
    func takeRefusal() -> String? {
        defer { refusal = nil }
        return refusal
    }

    private func isAccepted(_ stat: FileStat) -> Bool {
        guard let found = problem(stat) else { return true }
        refusal = found
        return false
    }

    /// Forgets `digests` and rewrites the file with only the live entries (temp + rename).
    func forget(_ digests: Set<Digest>) {
        for digest in digests { entries[digest] = nil }
        guard refresh() else { return }
        for digest in digests { entries[digest] = nil }
        rewrite()
    }

    /// Reads lines appended since the last read; starts over if the file was replaced.
    /// False when the file is there but refused (or not a regular file).
    @discardableResult
    private func refresh() -> Bool {
        let opened: (file: FileDescriptor, stat: FileStat)?
        do { opened = try FileDescriptor.openRegular(path) } catch { return true }
        guard let (file, stat) = opened, isAccepted(stat) else { return false }
        if stat.inode != loadedInode || stat.size < loadedLength {
            entries = [:]
            loadedLength = 0
            lineCount = 0
            loadedInode = stat.inode
        }
        guard stat.size > loadedLength, lseek(file.rawValue, off_t(loadedLength), SEEK_SET) >= 0,
              let bytes = try? file.readToEnd() else { return true }
        // Only complete lines; a torn tail is read again next time.
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return true }
        var start = 0
        var valid = loadedLength > 0
        while start <= lastNewline {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))!
            let line = bytes[start..<end]
            if !valid {
                guard line.elementsEqual(Self.signature.utf8) else {
                    // Another format: rewrite it as ours (it only held hints).
                    rewrite()
                    return true
                }
                valid = true
            } else if let (digest, stat) = Self.parse(line) {
                entries[digest] = stat
                lineCount += 1
            }
            start = end + 1
        }
        loadedLength += Int64(lastNewline + 1)
        if lineCount > 1024 && lineCount > 2 * entries.count { rewrite() }
        return true
    }

    /// Replaces the file with the signature and one line per entry. A line another process
    /// appends to the old file meanwhile is lost: it only costs a rehash.
    private func rewrite() {
        var text = Self.signature + "\n"
        for (digest, stat) in entries { text += Self.line(digest, stat) }
        guard let temporary = try? TemporaryName.create(in: temporaryDirectory, prefix: "verified-"),
              let file = temporary.file,
              (try? file.write(Array(text.utf8))) != nil,
              rename(temporary.path, path) == 0,
              let stat = try? file.stat() else { return }
        loadedInode = stat.inode
        loadedLength = stat.size
        lineCount = entries.count
    }

    private static func line(_ digest: Digest, _ stat: ObjectStat) -> String {
        "\(digest.hex) \(stat.inode) \(stat.size) \(stat.mtimeNs)\n"
    }

    private static func parse(_ line: ArraySlice<UInt8>) -> (Digest, ObjectStat)? {
        let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard fields.count == 4,
              let digest = Digest(lowercaseHex: String(decoding: fields[0], as: UTF8.self)),
              let inode = UInt64(String(decoding: fields[1], as: UTF8.self)),
              let size = Int64(String(decoding: fields[2], as: UTF8.self)),
              let mtime = Int64(String(decoding: fields[3], as: UTF8.self)) else { return nil }
        return (digest, ObjectStat(inode: inode, size: size, mtimeNs: mtime))
    }
}
