#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import Dispatch
import Synchronization

/// Decompresses a gzip or zstd archive file on a thread of its own and hands the plain
/// tar stream to a tar reader (`LibArchiveReader`) through a ring of four 1 MiB buffers,
/// so that decompression and extraction use two cores, as GNU tar does by running the
/// compressor as another process. Memory stays bounded: the thread waits while every
/// buffer is full.
///
/// The decompressing side is a libarchive reader of its own (format "raw", filters gzip
/// and zstd), freed once the thread has stopped; its errors reach the tar reader, which
/// reports them as its own (`tb_archive_set_error`). Dropping the decompressor stops the
/// thread (at the latest after the buffer it is filling) and waits for it.
final class Decompressor {
    /// Starts decompressing `file` (kept open until the thread has stopped); `path` for
    /// messages. nil when the file does not start with a gzip or zstd signature: the tar
    /// reader then reads it directly.
    static func start(file: OpenFile, path: String) throws(SnapshotError) -> Decompressor? {
        var magic = [UInt8](repeating: 0, count: 4)
        let n = magic.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, 4, 0) }
        guard n == 4, magic[0...1] == [0x1f, 0x8b] || magic == [0x28, 0xb5, 0x2f, 0xfd] else { return nil }
        return try Decompressor(ring: Ring(file: file, path: path))
    }

    private let ring: Ring

    private init(ring: Ring) {
        self.ring = ring
        DispatchQueue(label: "tbmake.snapshot.decompress").async { ring.produce() }
    }

    deinit { ring.stop() }

    /// For the tar reader's read callback: the next block of the tar stream (valid until
    /// the next call), 0 at its end, or `ARCHIVE_FATAL` with the error set on `archive`.
    func next(_ archive: OpaquePointer, _ block: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        ring.next(archive, block)
    }

    /// State shared by the two threads; the decompressing thread keeps it alive until
    /// it returns, so that dropping the `Decompressor` can stop and wait for it.
    private final class Ring: @unchecked Sendable {
        static let count = 4, size = 1 << 20

        private let raw: OpaquePointer
        private let file: OpenFile
        private let buffers: UnsafeMutableRawBufferPointer
        /// Bytes in each buffer once filled: > 0 data, 0 end of stream, -1 failure.
        private var lengths = [Int](repeating: 0, count: count)
        /// Set by the producer before it signals a length of -1.
        private var failure = ""
        /// Free buffers. Made with 0 and signalled `count` times: libdispatch traps when
        /// a semaphore is released with a value below the one it was made with.
        private let free = DispatchSemaphore(value: 0)
        private let filled = DispatchSemaphore(value: 0)
        private let done = DispatchSemaphore(value: 0)
        private let cancelled = Atomic<Bool>(false)
        /// Consumer side only: the buffer handed out last (released at the next call),
        /// and whether the stream has ended.
        private var current = -1
        private var ended: Int?

        init(file: OpenFile, path: String) throws(SnapshotError) {
            guard let raw = archive_read_new() else { fatalError("tbmake: archive_read_new: out of memory") }
            self.raw = raw
            self.file = file
            buffers = .allocate(byteCount: Ring.count * Ring.size, alignment: 16)
            for _ in 0..<Ring.count { free.signal() }
            try check(archive_read_support_format_raw(raw), raw, "archive_read_support_format_raw", path: path)
            try check(archive_read_support_filter_gzip(raw), raw, "archive_read_support_filter_gzip", path: path)
            try check(archive_read_support_filter_zstd(raw), raw, "archive_read_support_filter_zstd", path: path)
            try check(archive_read_open_fd(raw, file.fd, Ring.size), raw, "open", path: path)
            var entry: OpaquePointer?
            try check(archive_read_next_header(raw, &entry), raw, "read", path: path)
        }

        deinit {
            archive_read_free(raw)
            buffers.deallocate()
        }

        private func buffer(_ index: Int) -> UnsafeMutableRawPointer { buffers.baseAddress! + index * Ring.size }

        /// The decompressing thread: fills the buffers in turn until the end, a failure
        /// or `stop()`.
        func produce() {
            defer { done.signal() }
            var index = 0
            while true {
                free.wait()
                if cancelled.load(ordering: .relaxed) { return }
                var length = 0
                while length < Ring.size {
                    let n = archive_read_data(raw, buffer(index) + length, Ring.size - length)
                    if n < 0 {
                        failure = archive_error_string(raw).map { String(cString: $0) } ?? ""
                        length = -1
                        break
                    }
                    if n == 0 { break }
                    length += n
                }
                lengths[index] = length
                filled.signal()
                if length < Ring.size { break }
                index = (index + 1) % Ring.count
            }
            if lengths[index] > 0 {
                // The last data, then the end: one more buffer, without waiting for it.
                free.wait()
                if cancelled.load(ordering: .relaxed) { return }
                index = (index + 1) % Ring.count
                lengths[index] = 0
                filled.signal()
            }
        }

        func next(_ archive: OpaquePointer, _ block: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
            if let ended { return finish(archive, ended) }
            if current >= 0 { free.signal() }
            current = (current + 1) % Ring.count
            filled.wait()
            let length = lengths[current]
            guard length > 0 else {
                ended = length
                return finish(archive, length)
            }
            block.pointee = UnsafeRawPointer(buffer(current))
            return length
        }

        private func finish(_ archive: OpaquePointer, _ length: Int) -> Int {
            guard length < 0 else { return 0 }
            tb_archive_set_error(archive, EIO, failure.isEmpty ? "decompression failed" : failure)
            return Int(ARCHIVE_FATAL)
        }

        /// Stops the decompressing thread and waits for it.
        func stop() {
            cancelled.store(true, ordering: .relaxed)
            free.signal()
            done.wait()
        }
    }
}
