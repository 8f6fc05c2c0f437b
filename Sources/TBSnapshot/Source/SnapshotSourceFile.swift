/// A file opened by a `SnapshotSource`, read front to back; closed on release.
public protocol SnapshotSourceFile: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns how many, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SnapshotError) -> Int
}

extension OpenFile: SnapshotSourceFile {}
