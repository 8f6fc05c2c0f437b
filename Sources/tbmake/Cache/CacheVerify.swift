import ArgumentParser
import TBStore

/// `tbmake cache verify`: rehashes every object and removes the corrupt ones.
struct CacheVerify: CacheSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rehash every object; report and remove those whose content does not match their name.",
        discussion: """
        Anything but a regular file under an object's name (a FIFO, socket, device,
        directory or symlink) is corrupt too. Exits 1 if it removed any. A target whose
        output was removed runs again when that output must be restored, and stores it
        again.
        """
    )

    @OptionGroup var options: CacheOptions

    func execute() throws -> Int32 {
        let cache = try options.openCache()
        let objects: Int
        let corrupt: [Digest]
        do {
            objects = try cache.statistics().objects
            corrupt = try cache.verify()
        } catch { throw cacheFailure(error) }
        var text = ""
        for digest in corrupt {
            if options.json {
                text += JSON.line(["event": .string("corrupt"), "object": .string(digest.hex),
                                   "path": .string(cache.objectPath(digest))])
            } else {
                text += "removed corrupt object \(digest.hex) (\(cache.objectPath(digest)))\n"
            }
        }
        if options.json {
            text += JSON.line(["event": .string("verified"), "objects": .int(Int64(objects)), "corrupt": .int(Int64(corrupt.count))])
        } else {
            text += "verified \(counted(objects, "object")), \(corrupt.count) corrupt\n"
        }
        Terminal.out(text)
        return corrupt.isEmpty ? 0 : 1
    }
}
