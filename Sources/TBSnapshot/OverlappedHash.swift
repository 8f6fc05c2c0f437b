import Dispatch
import TBStore

/// A SHA-256 hasher that hashes large blocks on another thread while the caller does
/// something else with the same bytes (writes them to a file or into the archive), so the
/// hash and the copy use two cores. Blocks are hashed in order, one at a time: `update`
/// returns only once the block is hashed, so the bytes only need to stay valid for the
/// call, and the digest is exactly that of a `SHA256Hasher` fed the same blocks.
final class OverlappedHash: @unchecked Sendable {
    /// Below this a block is hashed inline: handing it over would cost more than it saves.
    static let threshold = 128 << 10

    private let hasher = SHA256Hasher()
    private let hashed = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "tbmake.snapshot.hash")
    /// The block being hashed; only touched by the worker between `async` and `signal`.
    private var block = UnsafeRawBufferPointer(start: nil, count: 0)

    /// Hashes `bytes` while running `work` (which may read `bytes` but not change them);
    /// returns, or rethrows `work`'s error, after both are done.
    func update(_ bytes: UnsafeRawBufferPointer, while work: () throws(SnapshotError) -> Void) throws(SnapshotError) {
        guard bytes.count >= Self.threshold else {
            hasher.update(bytes)
            try work()
            return
        }
        block = bytes
        queue.async { self.hasher.update(self.block); self.hashed.signal() }
        defer { hashed.wait() }
        try work()
    }

    /// Feeds bytes inline (nothing is running on the other thread between calls).
    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bytes) }

    /// The digest of everything fed since the last call; starts over.
    func finalize() -> Digest { hasher.finalize() }

    /// Feeds `count` zero bytes inline: the holes of sparse files, which libarchive skips
    /// but the digest covers.
    func updateZeros(_ count: Int64) {
        var left = count
        while left > 0 {
            let n = Int(min(left, Int64(Self.zeros.count)))
            hasher.update(UnsafeRawBufferPointer(rebasing: Self.zeros[..<n]))
            left -= Int64(n)
        }
    }

    private static let zeros = UnsafeRawBufferPointer(
        UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16).initializeMemory(as: UInt8.self, repeating: 0))
}
