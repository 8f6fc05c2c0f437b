import CCrypto

/// Turns an OpenSSL return code (1 = success for the EVP API) into a `StoreError.crypto`
/// carrying the drained error queue.
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(StoreError) {
    if result != 1 {
        throw StoreError.crypto(operation: operation(), message: drainOpenSSLErrors())
    }
}

/// Same, for calls that return a pointer and NULL on failure.
@inline(__always)
func check(_ pointer: OpaquePointer?, _ operation: @autoclosure () -> String) throws(StoreError) -> OpaquePointer {
    guard let pointer else {
        throw StoreError.crypto(operation: operation(), message: drainOpenSSLErrors())
    }
    return pointer
}

/// Empties this thread's OpenSSL error queue, oldest first, joined by "; ".
func drainOpenSSLErrors() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    return messages.joined(separator: "; ")
}
