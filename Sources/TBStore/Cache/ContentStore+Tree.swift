#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory outputs in the cache: every file of the tree is an object, and so is the
/// tree's listing (`TreeListing`), named by the tree's digest.
extension ContentStore {
    /// Stores the directory tree at `path`, whose digest the caller computed as
    /// `expected`: its files, then its listing. Throws `digestMismatch` when the tree no
    /// longer has that digest (it changed meanwhile), and otherwise as
    /// `store(fileAt:expected:)`.
    public func storeTree(at path: String, expected: Digest) throws(StoreError) {
        let listing = try DigestCache().listing(ofTree: path)
        guard listing.digest == expected else {
            throw .digestMismatch(path: path, expected: expected, actual: listing.digest)
        }
        for entry in listing.entries {
            if case .file(let digest) = entry.kind { try store(fileAt: path + "/" + entry.path, expected: digest) }
        }
        try prepareForWriting()
        let temporary = try TemporaryName.create(in: temporaryDirectory, prefix: "tree-")
        try temporary.file!.write(listing.encoded())
        try store(fileAt: temporary.path, expected: expected)
    }

    /// Places the tree `digest` at `path`, replacing what is there as a whole: it is
    /// built in a temporary sibling directory (files placed as `restore` places them,
    /// read-only; directories and symlinks as listed), then put in place. On failure
    /// nothing is placed and no temporary tree is left. Throws `missingObject` or
    /// `corruptObject` for the listing or any file (a listing object that does not parse
    /// counts as corrupt), or `.io`.
    public func restoreTree(_ digest: Digest, to path: String) throws(StoreError) {
        let directory = FileSystem.parentDirectory(path)
        try FileSystem.makeDirectories(directory)
        let baseName = path.split(separator: "/").last.map(String.init) ?? "out"
        let building = TemporaryName.reserve(in: directory, prefix: "." + baseName + ".tbmake-tree-")
        guard mkdir(building.path, 0o700) == 0 else { throw .lastIO("create directory", building.path) }
        var placed = false
        defer { if !placed { try? FileTree.remove(building.path) } }

        let listingPath = building.path + "/.tbmake-listing"
        try restore(digest, to: listingPath, mode: 0o400)
        let bytes = try FileDescriptor.open(listingPath, O_RDONLY).readToEnd()
        _ = unlink(listingPath)
        guard let listing = TreeListing.decode(bytes) else { throw .corruptObject(digest: digest, path: objectPath(digest)) }

        for entry in listing.entries {
            let target = building.path + "/" + entry.path
            switch entry.kind {
            case .directory:
                guard mkdir(FileName.cString(target), 0o700) == 0 else { throw .lastIO("create directory", target) }
            case .file(let file) where entry.mode & 0o7000 != 0:
                // A copy, never the object itself, gets the setuid/setgid/sticky bits.
                try restore(file, to: target, mode: (entry.mode | 0o200) & 0o777)
                guard chmod(FileName.cString(target), entry.mode) == 0 else { throw .lastIO("change mode of", target) }
            case .file(let file):
                try restore(file, to: target, mode: entry.mode)
            case .symlink(let linkTarget):
                guard symlink(FileName.cString(linkTarget), FileName.cString(target)) == 0 else { throw .lastIO("create symlink", target) }
            }
        }
        // Deepest first, so that a read-only directory is closed after what is inside it.
        for entry in listing.entries.reversed() where entry.kind == .directory {
            guard chmod(FileName.cString(building.path + "/" + entry.path), entry.mode) == 0 else { throw .lastIO("change mode of", entry.path) }
        }
        guard chmod(building.path, 0o755) == 0 else { throw .lastIO("change mode of", building.path) }
        try FileTree.replace(path, with: building.path)
        placed = true
    }

    /// The objects of the directory output `digest`: its listing and every file it lists;
    /// just the listing when it is missing or not a listing (gc then keeps what it can).
    public func objects(ofTree digest: Digest) -> Set<Digest> {
        var result: Set<Digest> = [digest]
        guard let file = try? FileDescriptor.open(objectPath(digest), O_RDONLY | O_NONBLOCK),
              let stat = try? file.stat(), stat.isRegular, let bytes = try? file.readToEnd(),
              let listing = TreeListing.decode(bytes) else { return result }
        for entry in listing.entries {
            if case .file(let file) = entry.kind { result.insert(file) }
        }
        return result
    }
}
