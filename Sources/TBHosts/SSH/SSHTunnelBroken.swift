/// A libssh2 error on a tunnel that breaks the whole gateway connection.
struct SSHTunnelBroken: Error {
    var code: Int32
}
