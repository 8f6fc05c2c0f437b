#if canImport(Glibc)
import Glibc
#endif

/// Starts `body` on a new detached thread. Recipes block in poll() for their whole
/// run, so each gets a thread of its own rather than a slot of a shared pool.
public enum Worker {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    public static func spawn(_ body: @escaping () -> Void) {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            body()   // no thread to be had: run it here rather than lose it
        } else {
            pthread_detach(thread)
        }
    }
}

/// A blocking queue from worker threads to the scheduler.
public final class CompletionQueue<Element>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var items: [Element] = []

    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    public func push(_ item: Element) {
        pthread_mutex_lock(&mutex)
        items.append(item)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// The next item, or nil once `seconds` passed without one.
    public func pop(waitingAtMost seconds: Double) -> Element? {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanos = Int(now.tv_nsec) + Int(seconds * 1e9)
        var deadline = timespec(tv_sec: now.tv_sec + nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while items.isEmpty {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
        }
        return items.isEmpty ? nil : items.removeFirst()
    }

    public func pop() -> Element {
        pthread_mutex_lock(&mutex)
        while items.isEmpty { pthread_cond_wait(&condition, &mutex) }
        let item = items.removeFirst()
        pthread_mutex_unlock(&mutex)
        return item
    }
}
