import TBStore

/// Where the artifact cache is and how large it may grow, from the command line and the
/// environment: the one place ordinary runs and `tbmake cache` resolve them.
enum CacheSettings {
    static let directoryVariable = "TBMAKE_CACHE"
    static let maxSizeVariable = "TBMAKE_CACHE_MAX_SIZE"

    /// `--cache-dir`, else `$TBMAKE_CACHE`, else `cache`; a relative path is relative to
    /// the project directory (the working directory after `-C`).
    static func root(option: String?) -> String {
        option ?? Invocation.processEnvironment[directoryVariable] ?? "cache"
    }

    /// The store at `root(option:)`. Opening it writes nothing; an unusable path (empty)
    /// is a usage error.
    static func open(option: String?) throws -> ContentStore {
        let root = root(option: option)
        do { return try ContentStore(root: root) } catch {
            throw Invocation.Stop(message: "\(error)", exitStatus: 2)
        }
    }

    /// The size bound: the option, else `$TBMAKE_CACHE_MAX_SIZE`, else none. A variable
    /// that is not a size is a usage error.
    static func maxSize(option: ByteSize?) throws -> ByteSize? {
        if let option { return option }
        guard let text = Invocation.processEnvironment[maxSizeVariable] else { return nil }
        guard let size = ByteSize(parsing: text) else {
            throw Invocation.Stop(message: "\(maxSizeVariable)=\(text) is not a size: \(ByteSize.syntax)", exitStatus: 2)
        }
        return size
    }

    /// The objects the traces of `log` need: every output digest they name. Garbage
    /// collection never removes these, so that a missing output can always be restored.
    static func neededObjects(_ log: BuildLog, in cache: ContentStore) -> Set<Digest> {
        var result: Set<Digest> = []
        for trace in log.traces.values {
            for output in trace.outputs {
                // A directory output needs its listing and every file in it.
                if output.isDirectory { result.formUnion(cache.objects(ofTree: output.digest)) } else { result.insert(output.digest) }
            }
        }
        return result
    }

    /// `neededObjects` of the project in the working directory, reading `.tbmake/log`
    /// without writing or locking anything; none for a project tbmake never ran in.
    static func neededObjectsOfProject(in cache: ContentStore) throws -> Set<Digest> {
        do { return neededObjects(try BuildLog.open(directory: ".tbmake", readOnly: true), in: cache) } catch {
            throw Invocation.Stop(message: "\(error)", exitStatus: 1)
        }
    }
}
