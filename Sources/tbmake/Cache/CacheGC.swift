import ArgumentParser
import TBStore

/// `tbmake cache gc --max-size SIZE`: removes least recently used objects until the cache
/// fits, never one the project's current traces need.
struct CacheGC: CacheSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove least recently used objects until the cache is at most SIZE.",
        discussion: """
        Never removes an object that a trace in the project's .tbmake/log names; if
        those alone exceed SIZE, every other object is removed and the cache stays
        above it. Then removes the action entries that name a removed object,
        anything but a regular file under an object's name, and the temporary files
        that no live process owns (or abandoned more than an hour ago).
        """
    )

    @OptionGroup var options: CacheOptions

    @Option(name: .customLong("max-size"),
            help: ArgumentHelp("Bytes, or a number with K, M, G or T (powers of 1024); default: $TBMAKE_CACHE_MAX_SIZE.", valueName: "SIZE"),
            transform: { try ByteSize.parseArgument($0) })
    var maxSize: ByteSize?

    func execute() throws -> Int32 {
        guard let limit = try CacheSettings.maxSize(option: maxSize) else {
            throw Invocation.Stop(message: "gc needs --max-size SIZE (or \(CacheSettings.maxSizeVariable)) (see tbmake cache gc --help)", exitStatus: 2)
        }
        let cache = try options.openCache()
        let keep = try CacheSettings.neededObjectsOfProject(in: cache)
        let result: GarbageCollection
        do { result = try cache.collectGarbage(maxBytes: limit.bytes, keep: keep) } catch { throw cacheFailure(error) }
        if options.json {
            Terminal.out(JSON.line(["event": .string("gc"), "removed": .int(Int64(result.removedObjects)),
                                    "freed": .int(result.freedBytes), "objects": .int(Int64(result.objects)),
                                    "bytes": .int(result.bytes), "limit": .int(limit.bytes)]))
            return 0
        }
        var text = "removed \(counted(result.removedObjects, "object")), freed \(ByteSize.describe(result.freedBytes))\n"
        text += "remaining: \(counted(result.objects, "object")), \(ByteSize.describe(result.bytes))\n"
        if result.bytes > limit.bytes {
            text += "still above \(ByteSize.describe(limit.bytes)): the objects left are needed by the project's traces\n"
        }
        Terminal.out(text)
        return 0
    }
}
