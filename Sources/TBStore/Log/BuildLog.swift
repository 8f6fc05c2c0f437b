#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The persistent, crash-safe record of past runs: the file `log` in a directory such as
/// `.tbmake/`, in the spirit of ninja's `.ninja_log`.
///
/// The first line is a signature with the format version (`# tbmake log v1`); then one
/// record per line: a target's trace, a digest-cache entry, or a tombstone that forgets a
/// trace. Records are only ever appended, each with a single `write(2)` on an `O_APPEND`
/// descriptor, and a later record for the same target or path replaces an earlier one;
/// `close()` compacts the file when dead records pile up.
///
/// Not thread-safe: use one instance from one thread at a time, and hold a
/// `DirectoryLock` so that no other process appends meanwhile.
public final class BuildLog {
    /// Name of the log file inside its directory.
    public static let fileName = "log"
    /// Where an unreadable log is moved when a writable log starts over.
    public static let unreadableFileName = "log.unreadable"

    /// Path of the log file.
    public let path: String
    public let directory: String
    /// True if this log never writes.
    public let readOnly: Bool

    /// The last trace of each target, by target name.
    public internal(set) var traces: [String: TraceRecord]
    /// The live traces of slots other than their target's last, by `TraceRecord.slot`: a
    /// target has one trace per set of outputs, state file and host it named. Slots are
    /// worked out only for targets with several, so loading a log costs no more for them.
    public internal(set) var earlierSlots: [String: TraceRecord]
    /// How many traces of one target compaction keeps, the most recent first: older
    /// slots (outputs named after a date, say) then simply rerun.
    static let slotsKeptPerTarget = 16
    /// The last digest-cache entry of each file, by path.
    public internal(set) var fileDigests: [String: DigestCacheEntry]

    /// nil when read-only or closed.
    private var file: FileDescriptor?
    /// Record lines in the file after the signature, live, dead or malformed.
    var recordCount = 0

    private init(directory: String, readOnly: Bool) {
        self.directory = directory
        self.path = directory + "/" + BuildLog.fileName
        self.readOnly = readOnly
        traces = [:]
        earlierSlots = [:]
        fileDigests = [:]
    }

    /// Opens and loads the log in `directory`, creating the directory and file unless
    /// `readOnly`.
    ///
    /// - A log without the expected signature (another version, not a log) is not
    ///   trusted: the log starts empty, and unless `readOnly` the old file is kept as
    ///   `log.unreadable`.
    /// - A last line without its "\n" (a write torn by a kill) is ignored; unless
    ///   `readOnly`, the file is truncated back to the last "\n".
    /// - A malformed line elsewhere is skipped, so that target simply reruns.
    /// - `readOnly` never creates, writes, renames or truncates anything; a missing
    ///   directory or file reads as an empty log.
    ///
    /// Throws `.io` if the directory or file cannot be created, opened or read.
    public static func open(directory: String, readOnly: Bool) throws(StoreError) -> BuildLog {
        let log = BuildLog(directory: directory, readOnly: readOnly)
        if readOnly {
            let file: FileDescriptor
            do {
                file = try FileDescriptor.open(log.path, O_RDONLY)
            } catch .io(_, _, let code) where code == ENOENT || code == ENOTDIR {
                return log
            }
            _ = try log.load(from: file)
            return log
        }

        try FileSystem.makeDirectories(directory)
        var file = try FileDescriptor.open(log.path, O_RDWR | O_APPEND | O_CREAT)
        switch try log.load(from: file) {
        case .loaded(let validLength, let tornLength):
            if tornLength > 0 { try file.truncate(to: validLength) }
        case .empty:
            try file.truncate(to: 0)
            try file.write(Array((signature + "\n").utf8))
        case .unreadable:
            try FileSystem.rename(log.path, to: directory + "/" + unreadableFileName)
            file = try FileDescriptor.open(log.path, O_RDWR | O_APPEND | O_CREAT | O_TRUNC)
            try file.write(Array((signature + "\n").utf8))
        }
        log.file = file
        return log
    }

    /// Records `trace` as the target's last successful run, and as the trace of its slot.
    /// Once this returns, the record survives a kill of the process (it is in the kernel);
    /// `close()` makes it survive a power cut.
    public func append(_ trace: TraceRecord) throws(StoreError) {
        var writer = LogWriter()
        BuildLog.encode(trace, into: &writer)
        try write(writer.bytes, records: 1)
        BuildLog.keep(trace, traces: &traces, earlierSlots: &earlierSlots)
    }

    /// The trace of `target` for `slot` (`TraceRecord.slot`), last or earlier.
    public func trace(for target: String, slot: String) -> TraceRecord? {
        guard let last = traces[target] else { return nil }
        return last.slot == slot ? last : earlierSlots[slot]
    }

    /// Makes `trace` its target's last; the one it replaces stays as an earlier slot
    /// unless it names the same slot.
    static func keep(_ trace: TraceRecord, traces: inout [String: TraceRecord], earlierSlots: inout [String: TraceRecord]) {
        if let previous = traces.updateValue(trace, forKey: trace.target) {
            let slot = trace.slot, previousSlot = previous.slot
            if previousSlot != slot { earlierSlots[previousSlot] = previous }
            earlierSlots[slot] = nil
        }
    }

    /// Records digest-cache entries, all with one write.
    public func append(fileDigests entries: [(path: String, entry: DigestCacheEntry)]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        var writer = LogWriter()
        for (path, entry) in entries { BuildLog.encode(path: path, entry: entry, into: &writer) }
        try write(writer.bytes, records: entries.count)
        for (path, entry) in entries { fileDigests[path] = entry }
    }

    /// Forgets every trace of `target` (appends a tombstone), so that it runs next time.
    /// Does nothing if there is no trace.
    public func remove(target: String) throws(StoreError) {
        guard traces[target] != nil else { return }
        var writer = LogWriter()
        BuildLog.encodeTombstone(target: target, into: &writer)
        try write(writer.bytes, records: 1)
        traces[target] = nil
        earlierSlots = earlierSlots.filter { $0.value.target != target }
    }

    /// Flushes the log to disk and, if it holds more than 1,000 records of which fewer
    /// than a quarter are live, rewrites it with only the live ones (temp file in the same
    /// directory, fsync, rename). Appending after `close()` fails; closing twice, or
    /// closing a read-only log, does nothing.
    public func close() throws(StoreError) {
        guard let file else { return }
        self.file = nil
        try file.sync()
        if needsCompaction { try compact() }
    }

    /// True when dead records outnumber live ones three to one in a sizeable file.
    var needsCompaction: Bool {
        recordCount > 1000 && recordCount > 3 * (traces.count + earlierSlots.count + fileDigests.count)
    }

    /// Rewrites the file with only the live records, atomically: each target's earlier
    /// slots (at most `slotsKeptPerTarget` in all), then its last trace, so that loading
    /// finds the last one last.
    func compact() throws(StoreError) {
        var writer = LogWriter()
        writer.bytes.append(contentsOf: (BuildLog.signature + "\n").utf8)
        var earlier: [String: [TraceRecord]] = [:]
        for trace in earlierSlots.values { earlier[trace.target, default: []].append(trace) }
        var kept: [String: TraceRecord] = [:]
        for target in traces.keys.sorted() {
            let last = traces[target]!
            let recent = (earlier[target] ?? [])
                .sorted { ($0.finishedAtMs, $0.slot) > ($1.finishedAtMs, $1.slot) }
                .prefix(BuildLog.slotsKeptPerTarget - 1)
            for trace in recent.reversed() {
                BuildLog.encode(trace, into: &writer)
                kept[trace.slot] = trace
            }
            BuildLog.encode(last, into: &writer)
        }
        for path in fileDigests.keys.sorted() { BuildLog.encode(path: path, entry: fileDigests[path]!, into: &writer) }
        // Unlinked whatever happens (after the rename it names nothing).
        let temporary = TemporaryName.reserve(in: directory, prefix: BuildLog.fileName + ".tmp-")
        let file = try FileDescriptor.open(temporary.path, O_WRONLY | O_CREAT | O_EXCL)
        try file.write(writer.bytes)
        try file.sync()
        try FileSystem.rename(temporary.path, to: path)
        try FileSystem.syncDirectory(directory)
        earlierSlots = kept
        recordCount = traces.count + earlierSlots.count + fileDigests.count
    }

    private func write(_ bytes: [UInt8], records: Int) throws(StoreError) {
        guard let file else {
            throw .io(operation: "write", path: path, errno: readOnly ? EROFS : EBADF)
        }
        try file.write(bytes)
        recordCount += records
    }
}
