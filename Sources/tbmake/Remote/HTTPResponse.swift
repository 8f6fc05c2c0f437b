/// What a server answered: its status, its headers (names in lower case), and the bytes
/// that went each way.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var bytesDown: Int64
    var bytesUp: Int64

    var isSuccess: Bool { (200..<300).contains(status) }
}
