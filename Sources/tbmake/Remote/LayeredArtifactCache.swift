import TBEngine
import TBStore

/// The local cache first, the remote one behind it (`--remote-cache`).
///
/// - A local miss for an action entry asks the server; the entry it gives is used only
///   through the engine, which accepts it only when it names exactly the outputs the
///   Targetfile declares for the target.
/// - An object the local cache lacks is downloaded straight into it (streamed, hashed on
///   the way; a mismatch is never stored), then restored as any local object.
/// - What a run stores goes to the local cache at once and is queued for upload
///   (`RemoteUploader`) unless uploads are off. Entries with a directory output stay
///   local: the remote layout has no tree format tbmake shares.
final class LayeredArtifactCache: ArtifactCache {
    let local: ContentStore
    let remote: RemoteCache
    private let uploader: RemoteUploader?
    /// Outputs stored since the last recorded action, by digest: whether each is a tree.
    private var storedSinceAction: Set<Digest> = []
    private var storedTree = false
    /// Sizes the server's action entries gave for their objects (untrusted: they only
    /// choose whether a download is fsynced).
    private var announcedSizes: [Digest: Int64] = [:]
    /// Downloads from this size on are fsynced and recorded as verified at once.
    static let durableSize: Int64 = 1 << 20

    init(local: ContentStore, remote: RemoteCache, upload: Bool) {
        self.local = local
        self.remote = remote
        uploader = upload ? RemoteUploader(remote: remote) : nil
    }

    func action(for key: Digest) -> ActionEntry? {
        if let entry = local.action(for: key) { return entry }
        guard let (entry, sizes) = remote.action(for: key) else { return nil }
        for (output, size) in zip(entry.outputs, sizes) { announcedSizes[output.digest] = size }
        return entry
    }

    func restore(_ digest: Digest, to path: String, mode: UInt32) throws {
        if !local.contains(digest) {
            // Small objects are not fsynced: their restore, just below, rehashes them.
            let durable = (announcedSizes[digest] ?? .max) >= LayeredArtifactCache.durableSize
            try local.fillObject(digest, mode: mode, durable: durable) { fd in try remote.download(digest, into: fd) }
        }
        _ = try local.restore(digest, to: path, mode: mode) as RestoreMethod
    }

    func store(fileAt path: String, digest: Digest) throws {
        try local.store(fileAt: path, digest: digest)
        storedSinceAction.insert(digest)
    }

    func recordAction(_ entry: ActionEntry) throws {
        try local.recordAction(entry)
        defer { storedSinceAction = []; storedTree = false }
        guard let uploader, !storedTree, remote.isUsable,
              entry.outputs.allSatisfy({ !$0.isDirectory && storedSinceAction.contains($0.digest) }) else { return }
        uploader.enqueue(RemoteUploader.Job(entry: entry, objectPaths: entry.outputs.map { local.objectPath($0.digest) }))
    }

    func storeTree(at path: String, digest: Digest) throws {
        try local.storeTree(at: path, digest: digest)
        storedTree = true
    }

    func restoreTree(_ digest: Digest, to path: String) throws {
        try local.restoreTree(digest, to: path)
    }

    /// Waits for the uploads queued by this run.
    func finishUploads() {
        uploader?.finish()
    }
}
