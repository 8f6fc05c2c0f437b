import TBEngine
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// Sends what a run stored to the remote cache, off the scheduler's thread: a few
/// worker threads, each with its own curl handle (so its own reused connection), take
/// action entries from a queue and send each one's objects (skipping those the server
/// has) and then the entry, so that a reader never meets an entry before its objects.
/// `finish()` waits until everything queued is sent or the client is off.
final class RemoteUploader: @unchecked Sendable {
    struct Job {
        var entry: ActionEntry
        /// Where each output's object is, in the local cache.
        var objectPaths: [String]
    }

    private let remote: RemoteCache
    private let workerCount: Int
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [Job] = []
    private var closed = false
    private var started = 0
    private var running = 0

    init(remote: RemoteCache, workers: Int = 4) {
        self.remote = remote
        workerCount = workers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Queues `job`; starts a worker if fewer than `workers` run.
    func enqueue(_ job: Job) {
        pthread_mutex_lock(&mutex)
        jobs.append(job)
        let startOne = started < workerCount
        if startOne { started += 1; running += 1 }
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        if startOne { spawnWorker() }
    }

    /// Waits until every queued job is sent (or abandoned after a fault).
    func finish() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&condition)
        while running > 0 { pthread_cond_wait(&condition, &mutex) }
        pthread_mutex_unlock(&mutex)
    }

    private func spawnWorker() {
        Worker.spawn { [self] in
            let handle = remote.makeHandle()
            while let job = next() {
                guard let handle, remote.isUsable else { continue }   // drain: nothing more is sent
                send(job, through: handle)
            }
            pthread_mutex_lock(&mutex)
            running -= 1
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
    }

    private func next() -> Job? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while jobs.isEmpty && !closed { pthread_cond_wait(&condition, &mutex) }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }

    private func send(_ job: Job, through handle: CurlEasy) {
        var sizes: [Int64] = []
        for (output, path) in zip(job.entry.outputs, job.objectPaths) {
            guard remote.upload(output.digest, from: path, through: handle) else { return }
            var info = stat()
            guard stat(path, &info) == 0 else { return }   // gone (gc): the entry would name a missing object
            sizes.append(Int64(info.st_size))
        }
        _ = remote.upload(job.entry, sizes: sizes, through: handle)
    }
}
