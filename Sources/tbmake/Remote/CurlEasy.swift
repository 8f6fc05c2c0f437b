import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// libcurl, initialised once for the process (`curl_global_init` is not thread-safe).
private let curlGlobal: CURLcode = tb_curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// One curl easy handle, owned: freed in `deinit`. A handle keeps its connections
/// between requests, so requests to one server made through one handle reuse one
/// connection (and one TLS session). Confined to one thread at a time.
final class CurlEasy {
    /// What a request sends.
    enum Body {
        case none
        /// A small body held in memory (an action entry, a lock request).
        case bytes([UInt8], contentType: String)
        /// `size` bytes read from the open descriptor `fd` from its current offset,
        /// streamed through curl's read callback.
        case file(fd: Int32, size: Int64)
    }

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let settings: CurlSettings
    private var headerList: CurlHeaderList?

    init(settings: CurlSettings) throws(CurlError) {
        try CurlError.check(curlGlobal, "curl_global_init")
        guard let handle = tb_curl_easy_init() else {
            throw CurlError(code: CURLE_FAILED_INIT, message: "curl_easy_init failed", operation: "curl_easy_init")
        }
        self.handle = handle
        self.settings = settings
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        tb_curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one request and returns the answer, whatever its status; throws only when
    /// no answer came (refused, timed out, reset, TLS failure, `sink` refused data).
    /// `sink` receives the body as it arrives and returns false to abort.
    func perform(_ method: String, _ url: String, headers: [String] = [], body: Body = .none,
                 into sink: ((UnsafeRawBufferPointer) -> Bool)? = nil) throws(CurlError) -> HTTPResponse {
        tb_curl_easy_reset(handle)
        errorBuffer.pointee = 0
        let operation = "\(method) \(RemoteURL.masked(url))"
        let context = TransferContext(sink: sink)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        let list = CurlHeaderList(settings.headers + headers + ["Expect:"])
        headerList = list
        func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
            try CurlError.check(tb_curl_setopt_long(handle, option, value), operation)
        }
        func set(_ option: CURLoption, _ value: String) throws(CurlError) {
            try CurlError.check(tb_curl_setopt_string(handle, option, value), operation)
        }
        try CurlError.check(tb_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), operation)
        try set(CURLOPT_URL, url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT, settings.timeoutSeconds)
        // A stalled transfer, not a long one, is the fault: under 1 byte/s for the timeout.
        try set(CURLOPT_LOW_SPEED_LIMIT, 1)
        try set(CURLOPT_LOW_SPEED_TIME, settings.timeoutSeconds)
        try set(CURLOPT_TCP_NODELAY, 1)
        if settings.useNetrc { try set(CURLOPT_NETRC, Int(CURL_NETRC_OPTIONAL.rawValue)) }
        if let caFile = settings.caFile { try set(CURLOPT_CAINFO, caFile) }
        try CurlError.check(tb_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list.pointer), operation)
        try CurlError.check(tb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()), operation)
        try CurlError.check(tb_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
            let total = size * count
            context.bytesDown += Int64(total)
            guard let sink = context.sink else { return total }
            return sink(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
        }), operation)
        try CurlError.check(tb_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque()), operation)
        try CurlError.check(tb_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, user in
            let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
            let total = size * count
            context.header(UnsafeRawBufferPointer(start: data, count: total))
            return total
        }), operation)
        switch method {
        case "GET": break
        case "HEAD": try set(CURLOPT_NOBODY, 1)
        default: try set(CURLOPT_CUSTOMREQUEST, method)
        }
        switch body {
        case .none:
            break
        case .bytes(let bytes, let contentType):
            try set(CURLOPT_POSTFIELDSIZE, bytes.count)
            try bytes.withUnsafeBufferPointer { buffer throws(CurlError) in
                try CurlError.check(tb_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS,
                                                           UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)), operation)
            }
            let withType = CurlHeaderList(settings.headers + headers + ["Expect:", "Content-Type: \(contentType)"])
            headerList = withType
            try CurlError.check(tb_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, withType.pointer), operation)
        case .file(let fd, let size):
            context.sourceFD = fd
            try set(CURLOPT_UPLOAD, 1)
            try CurlError.check(tb_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size)), operation)
            try CurlError.check(tb_curl_setopt_pointer(handle, CURLOPT_READDATA, unmanaged.toOpaque()), operation)
            try CurlError.check(tb_curl_setopt_callback(handle, CURLOPT_READFUNCTION, { data, size, count, user in
                let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                while true {
                    let n = read(context.sourceFD, data, size * count)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { return Int(CURL_READFUNC_ABORT) }
                    context.bytesUp += Int64(n)
                    return n
                }
            }), operation)
        }
        try CurlError.check(tb_curl_easy_perform(handle), operation, errorBuffer: errorBuffer)
        var status = 0
        try CurlError.check(tb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), operation)
        return HTTPResponse(status: status, headers: context.headers, bytesDown: context.bytesDown, bytesUp: context.bytesUp)
    }
}

/// What curl's callbacks of one transfer share with Swift.
private final class TransferContext {
    let sink: ((UnsafeRawBufferPointer) -> Bool)?
    var sourceFD: Int32 = -1
    var headers: [String: String] = [:]
    var bytesDown: Int64 = 0
    var bytesUp: Int64 = 0

    init(sink: ((UnsafeRawBufferPointer) -> Bool)?) { self.sink = sink }

    func header(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") { headers = [:]; return }   // a new response (after 100 Continue)
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        var value = text[text.index(after: colon)...]
        while let first = value.first, first == " " || first == "\t" { value.removeFirst() }
        while let last = value.last, last == "\r" || last == "\n" || last == " " { value.removeLast() }
        headers[name] = String(value)
    }
}
