import CCurl

/// A `curl_slist` of header lines, owned: freed in `deinit`. Must outlive the transfer
/// that uses it.
final class CurlHeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines { pointer = tb_curl_slist_append(pointer, line) }
    }

    deinit { tb_curl_slist_free_all(pointer) }
}
