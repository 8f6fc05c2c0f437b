#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BuildLog {
    /// What loading found in the file.
    enum LoadResult {
        /// Records loaded. The file's first `validLength` bytes end with its last "\n";
        /// `tornLength` bytes after them are a torn write.
        case loaded(validLength: Int64, tornLength: Int)
        /// Nothing but (perhaps) a torn first line: a new log.
        case empty
        /// The first line is not this version's signature.
        case unreadable
    }

    /// Bytes read per `read(2)`: small enough to stay in the CPU's L2 cache while lines are
    /// decoded, and not to fault in pages for a copy of the whole file.
    static let readChunkSize = 256 * 1024

    /// Reads the file from its start and applies every complete record line, in order.
    func load(from file: FileDescriptor) throws(StoreError) -> LoadResult {
        // Filled in locals and stored at the end: no exclusivity checks per record.
        var records = Records()
        defer {
            traces = records.traces
            earlierSlots = records.earlierSlots
            fileDigests = records.fileDigests
            recordCount = records.count
        }
        if let size = file.sizeHint() {
            // Sized for typical records (~500 bytes a trace, ~150 a digest entry), so that
            // the dictionaries rarely grow while loading.
            records.traces.reserveCapacity(Int(size / 1024))
            records.fileDigests.reserveCapacity(Int(size / 512))
        }
        let buffer = ReadBuffer(capacity: BuildLog.readChunkSize)
        let signature = Array(BuildLog.signature.utf8)
        var filled = 0                  // bytes in the buffer
        var consumed: Int64 = 0         // file offset of the buffer's first byte
        var sawSignature = false
        while true {
            if filled == buffer.capacity { buffer.grow() }  // a line longer than the buffer
            let count = try file.read(into: UnsafeMutableRawBufferPointer(
                start: buffer.bytes + filled, count: buffer.capacity - filled))
            if count == 0 { break }
            filled += count

            let base = UnsafePointer(buffer.bytes)
            var lineStart = 0
            while lineStart < filled,
                  let newline = memchr(base + lineStart, Int32(UInt8(ascii: "\n")), filled - lineStart) {
                let lineEnd = UnsafePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - base
                let line = UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart)
                if sawSignature {
                    records.apply(line)
                } else {
                    guard line.elementsEqual(signature) else { return .unreadable }
                    sawSignature = true
                }
                lineStart = lineEnd + 1
            }
            if lineStart > 0 {
                memmove(buffer.bytes, buffer.bytes + lineStart, filled - lineStart)
                filled -= lineStart
                consumed += Int64(lineStart)
            }
        }
        return sawSignature ? .loaded(validLength: consumed, tornLength: filled) : .empty
    }
}

/// What a log holds, as it is being loaded.
private struct Records {
    var traces: [String: TraceRecord] = [:]
    var earlierSlots: [String: TraceRecord] = [:]
    var fileDigests: [String: DigestCacheEntry] = [:]
    var count = 0

    /// Decodes one record line; a malformed line is counted and otherwise ignored.
    @inline(__always)
    mutating func apply(_ line: UnsafeBufferPointer<UInt8>) {
        count += 1
        switch BuildLog.decode(line: line) {
        case .trace(let trace)?:
            BuildLog.keep(trace, traces: &traces, earlierSlots: &earlierSlots)
        case .fileDigest(let path, let entry)?: fileDigests[path] = entry
        case .tombstone(let target)?:
            traces[target] = nil
            earlierSlots = earlierSlots.filter { $0.value.target != target }
        case nil: break
        }
    }
}

/// A growable byte buffer, freed in deinit.
private final class ReadBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    /// Doubles the capacity, keeping the content.
    func grow() {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: bytes, count: capacity)
        bytes.deallocate()
        bytes = larger
        capacity *= 2
    }
}
