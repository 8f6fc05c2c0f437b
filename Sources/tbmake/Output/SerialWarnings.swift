import TBEngine
#if canImport(Glibc)
import Glibc
#endif

/// Passes warnings from any thread to an observer, one at a time (observers are
/// written for the scheduler's thread alone).
final class SerialWarnings: @unchecked Sendable {
    private let observer: BuildObserver
    private var mutex = pthread_mutex_t()

    init(_ observer: BuildObserver) {
        self.observer = observer
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func warn(_ message: String) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        observer.warning(message)
    }
}
