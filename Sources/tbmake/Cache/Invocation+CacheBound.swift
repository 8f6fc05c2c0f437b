import TBEngine
import TBStore

extension Invocation {
    /// `--cache-max-size` / `$TBMAKE_CACHE_MAX_SIZE`, after a run that stored outputs:
    /// if the cache exceeds `limit`, removes least recently used objects until it fits,
    /// keeping every object the traces of `log` (this run's included) need. A failure is
    /// a warning: the build itself succeeded.
    func trimCache(_ cache: ContentStore, to limit: ByteSize, keeping log: BuildLog, observer: BuildObserver) {
        do {
            guard try cache.objectBytes() > limit.bytes else { return }
            try cache.collectGarbage(maxBytes: limit.bytes, keep: CacheSettings.neededObjects(log, in: cache))
        } catch {
            observer.warning("cannot trim the cache to \(ByteSize.describe(limit.bytes)): \(error)")
        }
    }
}
