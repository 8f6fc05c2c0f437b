import CCurl

/// A transfer that did not complete: curl's code and its own message (from the error
/// buffer when it said more than `curl_easy_strerror`), and what was being done.
struct CurlError: Error, CustomStringConvertible {
    var code: CURLcode
    var message: String
    var operation: String

    var description: String { "\(operation): \(message)" }

    /// The peer reset or dropped the connection mid-transfer: worth one more try.
    var isConnectionReset: Bool {
        code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING
            || code == CURLE_PARTIAL_FILE
    }

    /// Runs one curl call; a code other than `CURLE_OK` becomes a `CurlError`.
    static func check(_ code: CURLcode, _ operation: @autoclosure () -> String,
                      errorBuffer: UnsafePointer<CChar>? = nil) throws(CurlError) {
        guard code != CURLE_OK else { return }
        var message = String(cString: tb_curl_easy_strerror(code))
        if let errorBuffer, errorBuffer.pointee != 0 { message = String(cString: errorBuffer) }
        throw CurlError(code: code, message: message, operation: operation())
    }
}
