import ArgumentParser
import TBStore

/// `tbmake cache stats`: objects, their bytes, action entries, and the hit rate of recent runs.
struct CacheStats: CacheSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the number of objects, their size, the action entries and the hit rate of recent runs.",
        discussion: """
        The hit rate counts, over the last \(ContentStore.recentRuns) runs that met a cacheable target, the
        targets restored from the cache among those restored or run. With a remote cache
        (--remote-cache), it also adds up that server's action entries found (hits) and
        not found (misses) and the bytes downloaded and uploaded, over the same runs.
        """
    )

    @OptionGroup var options: CacheOptions

    func execute() throws -> Int32 {
        let cache = try options.openCache()
        let statistics: (objects: Int, bytes: Int64, actions: Int)
        do { statistics = try cache.statistics() } catch { throw cacheFailure(error) }
        let rate = cache.recentHitRate()
        let total = rate.hits + rate.misses
        let remote = RemoteStatsLog.recent(cache: cache)
        if options.json {
            var line = JSON.line(["event": .string("stats"), "cache": .string(options.displayRoot(cache)),
                                  "objects": .int(Int64(statistics.objects)), "bytes": .int(statistics.bytes),
                                  "actions": .int(Int64(statistics.actions)),
                                  "hits": .int(Int64(rate.hits)), "misses": .int(Int64(rate.misses))])
            if remote != RemoteStats() {
                // Only for caches that met a remote one: the fields continue the object.
                line = String(line.dropLast(2)) + "," + String(JSON.line([
                    "remote_hits": .int(Int64(remote.hits)), "remote_misses": .int(Int64(remote.misses)),
                    "remote_bytes_down": .int(remote.bytesDown), "remote_bytes_up": .int(remote.bytesUp)]).dropFirst())
            }
            Terminal.out(line)
            return 0
        }
        var text = "cache: \(options.displayRoot(cache))\n"
        text += "objects: \(statistics.objects)\n"
        text += "bytes: \(ByteSize.describe(statistics.bytes))\n"
        text += "actions: \(statistics.actions)\n"
        text += "hit rate (last \(ContentStore.recentRuns) runs): "
        if total == 0 {
            text += "none recorded\n"
        } else {
            text += "\((rate.hits * 100 + total / 2) / total)% (\(rate.hits) of \(total) cacheable targets restored)\n"
        }
        if remote != RemoteStats() {
            text += "remote (last \(ContentStore.recentRuns) runs): \(remote.hits) hits, \(remote.misses) misses, "
            text += "\(ByteSize.describe(remote.bytesDown)) down, \(ByteSize.describe(remote.bytesUp)) up\n"
        }
        Terminal.out(text)
        return 0
    }
}
