/// What `ContentStore.collectGarbage` did, counted as it went (no listing after).
public struct GarbageCollection: Equatable, Sendable {
    /// Objects removed, and their total size in bytes.
    public var removedObjects: Int
    public var freedBytes: Int64
    /// Objects left, and their total size in bytes.
    public var objects: Int
    public var bytes: Int64

    public init(removedObjects: Int, freedBytes: Int64, objects: Int, bytes: Int64) {
        self.removedObjects = removedObjects
        self.freedBytes = freedBytes
        self.objects = objects
        self.bytes = bytes
    }
}
