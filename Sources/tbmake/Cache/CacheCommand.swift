import ArgumentParser
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// `tbmake cache ...`: the maintenance commands of the artifact cache. `main.swift`
/// dispatches here when the first argument is exactly `cache`.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbmake cache",
        abstract: "Inspect, check and trim the artifact cache.",
        discussion: """
        The cache is --cache-dir DIR, else $TBMAKE_CACHE, else cache/ in the project,
        exactly as for a build. gc keeps every object that the traces of the project
        (.tbmake/log in the directory given by -C, or the current one) name: a cache
        shared by several projects only knows the traces of the project gc runs in.

        Exit status: 0 when done; 1 when verify found (and removed) corrupt objects, or
        the cache could not be read or written; 2 for a usage error.

        To build a target named cache, write `tbmake -- cache`.
        """,
        subcommands: [CacheStats.self, CacheVerify.self, CacheGC.self]
    )

    /// Parses `arguments` (those after `cache`) and runs the subcommand they name.
    static func execute(_ arguments: [String]) throws -> Int32 {
        var command = try parseAsRoot(arguments)
        if let subcommand = command as? CacheSubcommand { return try subcommand.execute() }
        if command is CacheCommand {
            throw Invocation.Stop(message: "cache needs a command: stats, verify or gc (see tbmake cache --help)", exitStatus: 2)
        }
        try command.run()   // --help and its kin: throws the clean exit that prints it
        return 0
    }
}

/// A `tbmake cache` subcommand; returns the exit status.
protocol CacheSubcommand: ParsableCommand {
    func execute() throws -> Int32
}

/// The options every `tbmake cache` subcommand takes.
struct CacheOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("directory")], help: ArgumentHelp("Change to DIR (the project) before doing anything.", valueName: "DIR"))
    var directory: String?

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("The cache is DIR (default: $TBMAKE_CACHE, else cache/ in the project).", valueName: "DIR"))
    var cacheDirectory: String?

    @Flag(help: "Print one JSON object per line instead of text.")
    var json = false

    /// Changes to `-C DIR`, then opens the cache.
    func openCache() throws -> ContentStore {
        if let directory, chdir(directory) != 0 {
            throw Invocation.Stop(message: "cannot change to directory \(directory): \(String(cString: strerror(errno)))", exitStatus: 2)
        }
        let cache = try CacheSettings.open(option: cacheDirectory)
        cache.onWarning { Terminal.err("tbmake: warning: \($0)\n") }
        return cache
    }

    /// The cache's root as an absolute path, for the reader.
    func displayRoot(_ cache: ContentStore) -> String {
        cache.root.hasPrefix("/") ? cache.root : Invocation.currentDirectory() + "/" + cache.root
    }
}

/// A store failure while maintaining the cache: exit status 1, the store's own words.
func cacheFailure(_ error: StoreError) -> Invocation.Stop {
    Invocation.Stop(message: "\(error)", exitStatus: 1)
}

/// "1 object", "2 objects".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
