import Glibc
import TBEngine

/// Moves a child's output from the read end of its pipe to an `OutputSink`, chunk by
/// chunk as it arrives. Owns the descriptor (closed when the pump goes away).
final class OutputPump {
    private let descriptor: FileDescriptor
    private let sink: OutputSink
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    /// Every writer has closed the pipe (or reading failed).
    private(set) var reachedEnd = false

    init(descriptor: FileDescriptor, sink: OutputSink) {
        self.descriptor = descriptor
        self.sink = sink
    }

    deinit { buffer.deallocate() }

    /// Waits up to `duration` for output and forwards one chunk if some arrives. After
    /// the end of the pipe, just sleeps for `duration`.
    func pump(for duration: Duration) {
        let milliseconds = duration.wholeMillisecondsRoundedUp
        if reachedEnd {
            _ = poll(nil, 0, milliseconds)
            return
        }
        var request = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, milliseconds)
        if ready > 0 { readChunk() }
    }

    /// Forwards whatever can be read without waiting, up to a bound so that a process
    /// writing without pause cannot keep the caller here.
    func drainAvailable() {
        for _ in 0..<16 where !reachedEnd {
            var request = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 0) > 0 else { return }
            readChunk()
        }
    }

    private func readChunk() {
        let count = read(descriptor.rawValue, buffer.baseAddress, buffer.count)
        if count > 0 {
            sink.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            reachedEnd = true
            descriptor.close()
        }
    }
}

extension Duration {
    /// For poll(2): whole milliseconds, rounded up so a wait never ends early; 0 if
    /// negative, capped at Int32.max.
    var wholeMillisecondsRoundedUp: Int32 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 && (seconds > 0 || attoseconds > 0) else { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return .max }
        return Int32(clamping: milliseconds.partialValue + (attoseconds + perMillisecond - 1) / perMillisecond)
    }
}
