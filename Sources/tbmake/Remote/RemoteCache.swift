import CCurl
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// A client of a remote cache in Bazel's HTTP cache layout (nginx WebDAV, bazel-remote):
/// objects at `URL/cas/<sha256>`, action entries at `URL/ac/<key>` (`ActionResultJSON`).
///
/// The server is a help, never a need: the first fault — refused, unreachable, stalled
/// past the timeout, a 5xx or 507, 401/403, a truncated body — produces one warning
/// and turns the client off for the rest of the run. 5xx answers and reset connections
/// are retried (3 tries, 0.2 s then 0.4 s apart) before they count as a fault.
///
/// Thread-safe: the scheduler's thread downloads through one handle, upload workers
/// each through their own (`makeHandle`); counters and the fault state share a mutex.
final class RemoteCache: @unchecked Sendable {
    let base: String
    let settings: CurlSettings
    private let warn: (String) -> Void
    private var mutex = pthread_mutex_t()
    private var fault: String?
    private var counters = RemoteStats()
    private var downloader: CurlEasy?

    /// - Parameter warn: called once, with the first fault, from whichever thread met it.
    init(url: String, settings: CurlSettings, warn: @escaping (String) -> Void) {
        base = RemoteURL.base(url)
        self.settings = settings
        self.warn = warn
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// The URL as it may be shown (no password).
    var displayURL: String { RemoteURL.masked(base) }

    /// False after the first fault.
    var isUsable: Bool { locked { fault == nil } }

    var stats: RemoteStats { locked { counters } }

    /// A handle for one thread's transfers.
    func makeHandle() -> CurlEasy? {
        do { return try CurlEasy(settings: settings) } catch {
            disable("\(error)")
            return nil
        }
    }

    // MARK: - Reading (the scheduler's thread)

    /// The action entry for `key` on the server, nil when it has none, it is unusable
    /// (one warning), or the server is off.
    func action(for key: Digest) -> (entry: ActionEntry, sizes: [Int64])? {
        guard isUsable, let handle = downloadHandle() else { return nil }
        var body: [UInt8] = []
        let url = base + "/ac/" + key.hex
        guard let response = request(handle, "GET", url, sink: { chunk in
            body.append(contentsOf: chunk)
            return body.count <= 4 << 20
        }, reset: { body = [] }) else { return nil }
        guard response.status != 404 else {
            locked { counters.misses += 1 }
            return nil
        }
        do {
            let decoded = try ActionResultJSON.decode(body, key: key)
            locked { counters.hits += 1 }
            return decoded
        } catch {
            warn("remote cache \(displayURL): ignoring the action entry ac/\(key.hex): \(error)")
            locked { counters.misses += 1 }
            return nil
        }
    }

    /// Why a download did not give the object.
    struct DownloadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Streams object `digest` into `fd` through a 1 MiB-at-most chunk at a time,
    /// hashing as it goes, and returns the digest of what arrived. Throws when the server
    /// has no such object or is off (after its one warning).
    func download(_ digest: Digest, into fd: Int32) throws -> Digest {
        guard isUsable, let handle = downloadHandle() else {
            throw DownloadError(description: "the remote cache is off for this run")
        }
        var hasher = SHA256Hasher()
        var failed = false
        let url = base + "/cas/" + digest.hex
        guard let response = request(handle, "GET", url, sink: { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = true; return false }
                offset += n
            }
            hasher.update(chunk)
            return true
        }, reset: {
            hasher = SHA256Hasher()
            _ = ftruncate(fd, 0)
            _ = lseek(fd, 0, SEEK_SET)
        }) else {
            throw DownloadError(description: failed ? "cannot write the download: \(String(cString: strerror(errno)))"
                                                    : "the remote cache is off for this run")
        }
        guard response.status != 404 else {
            throw DownloadError(description: "the remote cache has no object \(digest.hex)")
        }
        locked { counters.bytesDown += response.bytesDown }
        let actual = hasher.finalize()
        if actual != digest {
            throw DownloadError(description: "remote object cas/\(digest.hex) is corrupt (its content hashes to \(actual.hex)); not restored")
        }
        return actual
    }

    // MARK: - Writing (upload workers)

    /// Sends the object at `path` unless the server has it (`HEAD`). False after a fault.
    func upload(_ digest: Digest, from path: String, through handle: CurlEasy) -> Bool {
        let url = base + "/cas/" + digest.hex
        guard let head = request(handle, "HEAD", url) else { return false }
        if head.isSuccess { return true }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }   // gone from the local cache (gc): nothing to send
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return true }
        guard let response = request(handle, "PUT", url, body: .file(fd: fd, size: Int64(info.st_size)),
                                     reset: { _ = lseek(fd, 0, SEEK_SET) }) else { return false }
        guard response.isSuccess else { return disable("PUT cas/\(digest.hex) answered \(response.status)") }
        locked { counters.bytesUp += response.bytesUp }
        return true
    }

    /// Sends the action entry, after its objects.
    func upload(_ entry: ActionEntry, sizes: [Int64], through handle: CurlEasy) -> Bool {
        let url = base + "/ac/" + entry.key.hex
        let body = ActionResultJSON.encode(entry, sizes: sizes)
        guard let response = request(handle, "PUT", url, body: .bytes(body, contentType: "application/json")) else {
            return false
        }
        guard response.isSuccess else { return disable("PUT ac/\(entry.key.hex) answered \(response.status)") }
        return true
    }

    // MARK: - Faults

    /// One request with the retry policy. Returns the answer when it is a success or a
    /// 404; nil after a fault (which turned the client off).
    private func request(_ handle: CurlEasy, _ method: String, _ url: String, body: CurlEasy.Body = .none,
                         sink: ((UnsafeRawBufferPointer) -> Bool)? = nil,
                         reset: () -> Void = {}) -> HTTPResponse? {
        var delay: useconds_t = 200_000
        for attempt in 1...3 {
            guard isUsable else { return nil }
            if attempt > 1 { reset() }
            let retryable: Bool
            let problem: String
            do {
                let response = try handle.perform(method, url, body: body, into: sink)
                if response.isSuccess || response.status == 404 { return response }
                retryable = [500, 502, 503, 504].contains(response.status)
                problem = "\(method) \(RemoteURL.masked(url)) answered \(response.status)"
                    + (response.status == 401 || response.status == 403 ? " (check the credentials)" : "")
                    + (response.status == 507 ? " (the server is full)" : "")
            } catch {
                retryable = error.isConnectionReset
                problem = error.code == CURLE_OPERATION_TIMEDOUT
                    ? "\(method) \(RemoteURL.masked(url)): timed out (no answer within \(settings.timeoutSeconds) s, --remote-timeout)"
                    : RemoteURL.masking(error.description, of: base)
            }
            if !retryable || attempt == 3 {
                disable(problem)
                return nil
            }
            usleep(delay)
            delay *= 2
        }
        return nil
    }

    @discardableResult
    private func disable(_ problem: String) -> Bool {
        let first: Bool = locked {
            guard fault == nil else { return false }
            fault = problem
            return true
        }
        if first { warn("remote cache \(displayURL): \(problem); using the local cache only for the rest of this run") }
        return false
    }

    private func downloadHandle() -> CurlEasy? {
        if downloader == nil { downloader = makeHandle() }
        return downloader
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
