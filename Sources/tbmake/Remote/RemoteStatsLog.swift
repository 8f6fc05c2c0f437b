import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// `<cache>/remote.log`: the line `# tbmake remote v1`, then one line per run that used a
/// remote cache, `<unix time> <hits> <misses> <bytes down> <bytes up>`, appended with one
/// `write(2)`. `tbmake cache stats` adds up the last `ContentStore.recentRuns` lines; a
/// file of another version or a malformed line counts as nothing.
enum RemoteStatsLog {
    static let name = "remote.log"
    static let signature = "# tbmake remote v1"

    /// Appends the run's line; a cache that cannot be written is left alone.
    static func append(_ stats: RemoteStats, cache: ContentStore) {
        let path = cache.root + "/" + name
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        var text = "\(time(nil)) \(stats.hits) \(stats.misses) \(stats.bytesDown) \(stats.bytesUp)\n"
        if fstat(fd, &info) == 0, info.st_size == 0 { text = signature + "\n" + text }
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    /// The sums over the last `ContentStore.recentRuns` runs.
    static func recent(cache: ContentStore) -> RemoteStats {
        guard let text = Invocation.readFile(cache.root + "/" + name) else { return RemoteStats() }
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(signature) else { return RemoteStats() }
        lines.removeFirst()
        var sum = RemoteStats()
        for line in lines.suffix(ContentStore.recentRuns) {
            let fields = line.split(separator: " ")
            guard fields.count == 5, let hits = Int(fields[1]), let misses = Int(fields[2]),
                  let down = Int64(fields[3]), let up = Int64(fields[4]) else { continue }
            sum = sum + RemoteStats(hits: hits, misses: misses, bytesDown: down, bytesUp: up)
        }
        return sum
    }
}
