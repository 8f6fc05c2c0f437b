#if canImport(Glibc)
import Glibc
#endif

/// Where a running recipe's output goes: its log file under `.tbmake/logs/` (when not
/// nil) and a bounded tail kept in memory to show when the target fails.
final class RecipeLog: OutputSink, @unchecked Sendable {
    private let fd: Int32
    private var lock = pthread_mutex_t()
    private var tail: [UInt8] = []
    private let tailLimit = 16 * 1024
    /// Values masked as `***`; while there are any, output is written by lines, so that
    /// a secret split across two reads is still masked.
    private let secrets: Secrets
    private var pending: [UInt8] = []
    /// Hears each chunk as written, masked, on the writing thread.
    private let forward: (([UInt8]) -> Void)?

    /// Opens (truncating) `path`; with nil, keeps only the tail. `forward` hears each
    /// chunk written (masked), on the thread that writes it.
    init(path: String?, secrets: Secrets = Secrets(), forward: (([UInt8]) -> Void)? = nil) {
        self.secrets = secrets
        self.forward = forward
        pthread_mutex_init(&lock, nil)
        if let path {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        } else {
            fd = -1
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        pthread_mutex_destroy(&lock)
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard !secrets.isEmpty || !pending.isEmpty else { return emit(bytes) }
        pending.append(contentsOf: bytes)
        guard let newline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let lines = mask(Array(pending[...newline]))
        pending.removeFirst(newline + 1)
        lines.withUnsafeBytes { emit($0) }
    }

    /// Writes what is still held back (a last line without newline).
    func flush() {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard !pending.isEmpty else { return }
        let rest = mask(pending)
        pending.removeAll()
        rest.withUnsafeBytes { emit($0) }
    }

    /// `text` with every secret value replaced by `***`.
    func mask(_ text: String) -> String { secrets.mask(text) }

    private func mask(_ bytes: [UInt8]) -> [UInt8] {
        Array(mask(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) {
        if fd >= 0, let base = bytes.baseAddress {
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        if let forward, !bytes.isEmpty { forward(Array(bytes)) }
        tail.append(contentsOf: bytes)
        if tail.count > tailLimit * 2 { tail.removeFirst(tail.count - tailLimit) }
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// The last `count` lines written.
    func lastLines(_ count: Int) -> [String] {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        var lines = tail.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
