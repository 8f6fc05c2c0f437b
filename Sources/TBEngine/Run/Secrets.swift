#if canImport(Glibc)
import Glibc
#endif

/// The values tbmake must never show: those of `secret` variables, and those derived from
/// them (the values a dependent reads from the state file of a recipe that used a secret).
/// Each is masked as `***` in every form in which tbmake may print it: as it is, as a `run`
/// line splices it (`ShellSplice`: single-quoted, inside `'…'`, inside `"…"`), and in the
/// encodings of the outputs that hold it (given at `init`: `--json` strings, escaped
/// control characters). Shared by the engine (recipe logs, failures) and the terminal;
/// safe to use from any thread.
public final class Secrets: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var values: Set<String> = []
    /// Every form of every value, longest first, so that a longer form is masked whole.
    private var forms: [String] = []
    private let encodings: [@Sendable (String) -> String]

    /// - Parameter encodings: how the outputs that use this set write text (for example,
    ///   a JSON string's escapes); the forms of each value are masked in these too.
    public init(encodings: [@Sendable (String) -> String] = []) {
        self.encodings = encodings
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    /// Adds a value (an empty one is ignored: it cannot be shown).
    public func add(_ value: String) {
        guard !value.isEmpty else { return }
        withLock {
            guard values.insert(value).inserted else { return }
            var added = Set(ShellSplice.forms(of: value))
            for encode in encodings { added.formUnion(added.map(encode)) }
            forms = Set(forms).union(added).sorted { $0.utf8.count > $1.utf8.count }
        }
    }

    public var isEmpty: Bool { withLock { values.isEmpty } }

    /// Whether `text` holds a form of a value.
    public func appear(in text: String) -> Bool {
        withLock { forms.contains { text.contains($0) } }
    }

    /// `text` with every form of every value replaced by `***`.
    public func mask(_ text: String) -> String {
        withLock {
            var result = text
            for form in forms where result.contains(form) { result = result.replacing(form, with: "***") }
            return result
        }
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }
}
