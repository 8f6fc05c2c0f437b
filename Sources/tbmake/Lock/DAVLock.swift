import TBEngine
#if canImport(Glibc)
import Glibc
#endif

/// The Targetfile's `lock URL`: an exclusive WebDAV write lock (`LOCK`) on a server the
/// lab already runs (nginx with Debian's dav-ext module), held for the whole run, so that
/// no two runs anywhere work at once.
///
/// - Taking it: `LOCK` with an `owner` of `user@host pid N`; that text is also written to
///   the locked resource (`PUT` with the lock token), where a second run reads who holds
///   it. A `423 Locked` answer fails at once naming the holder, or, with `--wait-lock`,
///   retries every second until the deadline, saying who holds it.
/// - Keeping it: a thread refreshes it (`LOCK` with `If: (<token>)`) three times per
///   server timeout. A refresh that fails marks the lock lost (`lostReason`): the run
///   starts no new recipe step (`LockGuardedExecutor`) and fails.
/// - Giving it back: `release()` — at the end of the run, after a failure, and from the
///   interrupt handler after Ctrl-C — deletes the holder text and `UNLOCK`s. A holder that
///   crashed gives nothing back: its lock expires with the server's timeout.
final class DAVLock: @unchecked Sendable {
    let url: String
    private let settings: CurlSettings
    private let token: String
    private let refreshSeconds: Int
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var released = false
    private var refresherRunning = false
    private var lost: String?

    /// Why taking the lock failed: `holder` is set when someone else holds it.
    struct Failure: Error {
        var message: String
        var holder: String?
    }

    private init(url: String, settings: CurlSettings, token: String, timeoutSeconds: Int) {
        self.url = url
        self.settings = settings
        self.token = token
        refreshSeconds = max(1, timeoutSeconds / 3)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        release()
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Who this process is, as a lock's owner: `user@host pid N`.
    static func ownerText() -> String {
        let user = getenv("USER").map { String(cString: $0) } ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid\(getuid())"
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(cString: name) : "unknown-host"
        return "\(user)@\(host) pid \(getpid())"
    }

    /// Takes the lock; with `waitSeconds`, waits that long for a holder to let go,
    /// calling `waiting` each time the holder changes.
    static func acquire(url: String, settings: CurlSettings, waitSeconds: Double?,
                        waiting: (String) -> Void) throws -> DAVLock {
        let handle: CurlEasy
        do { handle = try CurlEasy(settings: settings) } catch { throw Failure(message: "\(error)") }
        let owner = ownerText()
        let deadline = waitSeconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var announced: String?
        while true {
            let body = """
                <?xml version="1.0" encoding="utf-8"?>
                <D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>\(escaped(owner))</D:owner></D:lockinfo>
                """
            var answer: [UInt8] = []
            let response = try perform(handle, "LOCK", url, headers: ["Timeout: Second-60", "Depth: 0"],
                                       body: .bytes(Array(body.utf8), contentType: "application/xml; charset=utf-8"),
                                       into: &answer)
            if response.isSuccess, let header = response.headers["lock-token"] {
                let token = String(header.drop { $0 == "<" }.prefix { $0 != ">" })
                let lock = DAVLock(url: url, settings: settings, token: token,
                                   timeoutSeconds: timeout(in: String(decoding: answer, as: UTF8.self)))
                var ignored: [UInt8] = []
                _ = try? perform(handle, "PUT", url, headers: ["If: (<\(token)>)"],
                                 body: .bytes(Array((owner + "\n").utf8), contentType: "text/plain"), into: &ignored)
                lock.startRefreshing()
                return lock
            }
            guard response.status == 423 else {
                let hint = response.status == 409 ? " (does its directory exist on the server?)" : ""
                throw Failure(message: "the server answered \(response.status)\(hint)")
            }
            var text: [UInt8] = []
            let holder = (try? perform(handle, "GET", url, into: &text)).flatMap { $0.isSuccess ? holderText(text) : nil }
                ?? "another run"
            guard let deadline, ContinuousClock.now < deadline else { throw Failure(message: "locked", holder: holder) }
            if announced != holder {
                waiting(holder)
                announced = holder
            }
            sleep(1)
        }
    }

    /// The reason the lock was lost, nil while it is held.
    var lostReason: String? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return lost
    }

    /// Stops refreshing, removes the holder text and `UNLOCK`s; later calls do nothing.
    func release() {
        pthread_mutex_lock(&mutex)
        let first = !released
        released = true
        pthread_cond_broadcast(&condition)
        while refresherRunning { pthread_cond_wait(&condition, &mutex) }
        pthread_mutex_unlock(&mutex)
        guard first, let handle = try? CurlEasy(settings: settings) else { return }
        var ignored: [UInt8] = []
        _ = try? DAVLock.perform(handle, "DELETE", url, headers: ["If: (<\(token)>)"], into: &ignored)
        _ = try? DAVLock.perform(handle, "UNLOCK", url, headers: ["Lock-Token: <\(token)>"], into: &ignored)
    }

    private func startRefreshing() {
        refresherRunning = true
        Worker.spawn { [self] in
            let handle = try? CurlEasy(settings: settings)
            pthread_mutex_lock(&mutex)
            while !released {
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_sec += refreshSeconds
                while !released && pthread_cond_timedwait(&condition, &mutex, &deadline) == 0 {}
                if released { break }
                pthread_mutex_unlock(&mutex)
                let problem = refresh(handle)
                pthread_mutex_lock(&mutex)
                if let problem, lost == nil { lost = problem }
                if lost != nil { break }
            }
            refresherRunning = false
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
    }

    /// One refresh; the problem, or nil when the server renewed the lock.
    private func refresh(_ handle: CurlEasy?) -> String? {
        guard let handle else { return "no curl handle" }
        var ignored: [UInt8] = []
        do {
            let response = try DAVLock.perform(handle, "LOCK", url, headers: ["If: (<\(token)>)", "Timeout: Second-60"], into: &ignored)
            return response.isSuccess ? nil : "the refresh was answered \(response.status)"
        } catch {
            return "the refresh failed: \(error.message)"
        }
    }

    private static func perform(_ handle: CurlEasy, _ method: String, _ url: String, headers: [String] = [],
                                body: CurlEasy.Body = .none, into answer: inout [UInt8]) throws(Failure) -> HTTPResponse {
        var collected: [UInt8] = []
        defer { answer = collected }
        do {
            return try handle.perform(method, url, headers: headers, body: body) { chunk in
                collected.append(contentsOf: chunk)
                return collected.count < 1 << 20
            }
        } catch {
            throw Failure(message: RemoteURL.masking(error.message, of: url))
        }
    }

    /// The seconds of `<D:timeout>Second-N</D:timeout>`; 60 when absent or infinite.
    private static func timeout(in body: String) -> Int {
        guard let range = body.firstRange(of: "Second-") else { return 60 }
        return Int(body[range.upperBound...].prefix { $0.isNumber }) ?? 60
    }

    /// The first line of the holder text, printable and at most 200 characters.
    private static func holderText(_ bytes: [UInt8]) -> String? {
        let line = String(decoding: bytes.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let clean = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        return clean.isEmpty ? nil : clean
    }

    private static func escaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
