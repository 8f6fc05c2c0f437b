#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `root/runs.log`: the line `# tbmake runs v1`, then `<unix time> <hits> <misses>` per
/// run, appended with one `write(2)`; trimmed to the last `recentRuns` lines (temp +
/// rename) when it passes `runsLogLimit` bytes.
extension ContentStore {
    static let runsLogName = "runs.log"
    static let runsSignature = "# tbmake runs v1"
    /// How many runs `recentHitRate` adds up.
    public static let recentRuns = 100
    static let runsLogLimit: Int64 = 64 * 1024

    /// Appends one line for a run that had `hits` restores and `misses` targets that had
    /// to run although they could have been restored. Throws `.io` if the cache cannot be
    /// written.
    public func recordRun(hits: Int, misses: Int) throws(StoreError) {
        try prepareForWriting()
        let path = root + "/" + ContentStore.runsLogName
        let file = try FileDescriptor.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW)
        var text = "\(time(nil)) \(hits) \(misses)\n"
        let stat = try file.stat()
        guard stat.isRegular else { throw .io(operation: "write", path: path, errno: EINVAL) }
        let size = stat.size
        if size == 0 { text = ContentStore.runsSignature + "\n" + text }
        try file.write(Array(text.utf8))
        if size > ContentStore.runsLogLimit {
            let runs = recentRunLines()
            let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "runs-")
            let kept = runs.map { "\($0.time) \($0.hits) \($0.misses)\n" }.joined()
            try temporary.file!.write(Array((ContentStore.runsSignature + "\n" + kept).utf8))
            try FileSystem.rename(temporary.path, to: path)
        }
    }

    /// Hits and misses summed over the last `recentRuns` runs; (0, 0) when none were
    /// recorded or the log is unreadable or of another version.
    public func recentHitRate() -> (hits: Int, misses: Int) {
        recentRunLines().reduce(into: (hits: 0, misses: 0)) { sum, run in
            sum.hits += run.hits
            sum.misses += run.misses
        }
    }

    /// The last `recentRuns` well-formed lines, oldest first.
    private func recentRunLines() -> [(time: Int64, hits: Int, misses: Int)] {
        guard (try? checkReadable()) != nil,
              let (file, stat) = (try? FileDescriptor.openRegular(root + "/" + ContentStore.runsLogName)) ?? nil
        else { return [] }
        let size = stat.size
        let signature = Array((ContentStore.runsSignature + "\n").utf8)
        var head = [UInt8](repeating: 0, count: signature.count)
        let headCount = head.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress, $0.count, 0) }
        guard headCount == signature.count, head == signature else { return [] }
        // Lines are under 64 bytes: the tail holds the last `recentRuns` of them.
        let start = max(Int64(signature.count), size - Int64(ContentStore.recentRuns * 64))
        guard lseek(file.rawValue, off_t(start), SEEK_SET) >= 0, let bytes = try? file.readToEnd() else { return [] }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if bytes.last == UInt8(ascii: "\n") { lines.removeLast() } else if !lines.isEmpty { lines.removeLast() }
        if start > Int64(signature.count), !lines.isEmpty { lines.removeFirst() }   // cut in the middle
        var runs: [(time: Int64, hits: Int, misses: Int)] = []
        for line in lines {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard fields.count == 3,
                  let time = Int64(String(decoding: fields[0], as: UTF8.self)),
                  let hits = Int(String(decoding: fields[1], as: UTF8.self)), hits >= 0,
                  let misses = Int(String(decoding: fields[2], as: UTF8.self)), misses >= 0 else { continue }
            runs.append((time, hits, misses))
        }
        return Array(runs.suffix(ContentStore.recentRuns))
    }
}
