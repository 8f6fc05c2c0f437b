/// What one run did with the remote cache.
struct RemoteStats: Equatable {
    /// Action entries found on the server.
    var hits = 0
    /// Action entries asked for and not found.
    var misses = 0
    /// Bytes of objects downloaded and uploaded (action entries are not counted).
    var bytesDown: Int64 = 0
    var bytesUp: Int64 = 0

    static func + (a: RemoteStats, b: RemoteStats) -> RemoteStats {
        RemoteStats(hits: a.hits + b.hits, misses: a.misses + b.misses,
                    bytesDown: a.bytesDown + b.bytesDown, bytesUp: a.bytesUp + b.bytesUp)
    }
}
