import TBEngine
import TBStore

/// An artifact cache in memory, over an `InMemoryFileSystem`: action entries by key,
/// objects by digest as bytes. `restore` checks the object's bytes against its digest
/// (like `ContentStore`, a corrupt object is removed and `corruptObject` thrown, placing
/// nothing) and writes it into the file system with the requested permission bits.
/// Every call is recorded, in order. Failures can be injected: `storeError` makes
/// `store` (and `recordAction`) throw, as an unwritable cache does; `corrupt(_:)` flips
/// a byte of a stored object.
public final class MemoryArtifactCache: ArtifactCache {
    /// One call the engine made.
    public enum Call: Equatable, CustomStringConvertible {
        case action(key: Digest)
        case restore(digest: Digest, path: String, mode: UInt32)
        case store(path: String, digest: Digest)
        case recordAction(key: Digest, paths: [String])
        case storeTree(path: String, digest: Digest)
        case restoreTree(digest: Digest, path: String)

        public var description: String {
            switch self {
            case .action(let key): return "action \(key.short)"
            case .restore(let digest, let path, let mode): return "restore \(digest.short) -> \(path) mode \(String(mode, radix: 8))"
            case .store(let path, let digest): return "store \(path) as \(digest.short)"
            case .recordAction(let key, let paths): return "record \(key.short) -> \(paths)"
            case .storeTree(let path, let digest): return "store tree \(path) as \(digest.short)"
            case .restoreTree(let digest, let path): return "restore tree \(digest.short) -> \(path)"
            }
        }
    }

    public let fileSystem: InMemoryFileSystem
    public private(set) var actions: [Digest: ActionEntry] = [:]
    public private(set) var objects: [Digest: [UInt8]] = [:]
    /// Directory outputs by tree digest: each file's path under the tree and content.
    public private(set) var trees: [Digest: [String: InMemoryFileSystem.File]] = [:]
    public private(set) var calls: [Call] = []
    /// Thrown by `store` and `recordAction` when set (a full disk, an unwritable cache).
    public var storeError: Error?

    public init(fileSystem: InMemoryFileSystem) {
        self.fileSystem = fileSystem
    }

    /// Where the real cache would keep object `digest`: used in error messages.
    public static func objectPath(_ digest: Digest) -> String {
        "cache/objects/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    // MARK: - Test helpers

    /// Flips the first byte of object `digest` (which must be stored).
    public func corrupt(_ digest: Digest) {
        precondition(objects[digest]?.isEmpty == false, "no object \(digest.short) to corrupt")
        objects[digest]![0] ^= 0xff
    }

    /// Forgets object `digest` (a garbage-collected object).
    public func removeObject(_ digest: Digest) { objects.removeValue(forKey: digest) }

    /// Forgets the calls made so far (not the content).
    public func resetCalls() { calls.removeAll() }

    /// The paths of the `restore` calls, in order.
    public var restoredPaths: [String] {
        calls.compactMap { if case .restore(_, let path, _) = $0 { return path } else { return nil } }
    }

    /// The paths of the `store` calls, in order.
    public var storedPaths: [String] {
        calls.compactMap { if case .store(let path, _) = $0 { return path } else { return nil } }
    }

    /// The keys of the `recordAction` calls, in order.
    public var recordedKeys: [Digest] {
        calls.compactMap { if case .recordAction(let key, _) = $0 { return key } else { return nil } }
    }

    // MARK: - ArtifactCache

    public func action(for key: Digest) -> ActionEntry? {
        calls.append(.action(key: key))
        return actions[key]
    }

    public func restore(_ digest: Digest, to path: String, mode: UInt32) throws {
        calls.append(.restore(digest: digest, path: path, mode: mode))
        guard let bytes = objects[digest] else {
            throw StoreError.missingObject(digest: digest, path: Self.objectPath(digest))
        }
        guard SHA256.digest(bytes) == digest else {
            objects.removeValue(forKey: digest)
            throw StoreError.corruptObject(digest: digest, path: Self.objectPath(digest))
        }
        fileSystem.write(path, bytes: bytes, permissions: mode & 0o777)
    }

    public func store(fileAt path: String, digest: Digest) throws {
        calls.append(.store(path: path, digest: digest))
        if let storeError { throw storeError }
        guard let bytes = fileSystem.read(path) else {
            throw StoreError.io(operation: "open", path: path, errno: 2)
        }
        let actual = SHA256.digest(bytes)
        guard actual == digest else { throw StoreError.digestMismatch(path: path, expected: digest, actual: actual) }
        objects[digest] = bytes
    }

    public func recordAction(_ entry: ActionEntry) throws {
        calls.append(.recordAction(key: entry.key, paths: entry.outputs.map(\.path)))
        if let storeError { throw storeError }
        actions[entry.key] = entry
    }

    public func storeTree(at path: String, digest: Digest) throws {
        calls.append(.storeTree(path: path, digest: digest))
        if let storeError { throw storeError }
        let actual = try fileSystem.digest(ofTree: path)
        guard actual == digest else { throw StoreError.digestMismatch(path: path, expected: digest, actual: actual) }
        var files: [String: InMemoryFileSystem.File] = [:]
        for file in try fileSystem.files(under: path) {
            files[String(file.dropFirst(InMemoryFileSystem.normalize(path).count + 1))] = fileSystem.file(file)
        }
        trees[digest] = files
    }

    public func restoreTree(_ digest: Digest, to path: String) throws {
        calls.append(.restoreTree(digest: digest, path: path))
        guard let files = trees[digest] else {
            throw StoreError.missingObject(digest: digest, path: Self.objectPath(digest))
        }
        fileSystem.removeTree(path)
        for (relative, file) in files { fileSystem.write(path + "/" + relative, bytes: file.bytes, permissions: file.permissions) }
    }
}
