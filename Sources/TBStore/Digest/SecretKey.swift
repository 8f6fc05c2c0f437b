import CCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A project's random key for the fingerprints of secret values: a trace keeps
/// HMAC-SHA256(key, value), never the value nor a plain digest of it, which a dictionary
/// attack would recover. The key is 32 random bytes (OpenSSL's `RAND_bytes`) in
/// `.tbmake/secret-key`, mode 0600, made once and never printed.
public struct SecretKey: Sendable {
    /// The file's name in its directory.
    public static let fileName = "secret-key"
    static let length = 32

    let bytes: [UInt8]

    /// A key of these bytes (tests; the engine's default is the empty key).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// `HMAC-SHA256(key, value)` as 64 hex digits.
    public func fingerprint(_ value: String) -> String {
        let message = Array(value.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let done = bytes.withUnsafeBufferPointer { key in
            message.withUnsafeBufferPointer { data in
                HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), data.baseAddress, data.count, &out, &length)
            }
        }
        precondition(done != nil && length == 32, "HMAC-SHA256 failed: \(drainOpenSSLErrors())")
        return out.withUnsafeBytes { Digest(bytes: $0).hex }
    }

    /// The key in `directory`: read when the file holds one; otherwise, with `create`,
    /// a new one written there (temporary name, then rename), else a new one kept in
    /// memory only (a run that records nothing). A file of another size is not a key
    /// and is replaced.
    public static func load(directory: String, create: Bool) throws(StoreError) -> SecretKey {
        let path = directory + "/" + fileName
        do {
            let file = try FileDescriptor.open(path, O_RDONLY)
            let bytes = try file.readToEnd()
            if bytes.count == length { return SecretKey(bytes: bytes) }
        } catch .io(_, _, let code) where code == ENOENT {
        }
        let key = SecretKey(bytes: try random())
        guard create else { return key }
        let temporary = try TemporaryName.create(in: directory, prefix: fileName + ".tmp-")
        try temporary.file!.write(key.bytes)
        try temporary.file!.sync()
        try FileSystem.rename(temporary.path, to: path)
        return key
    }

    private static func random() throws(StoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        try check(RAND_bytes(&bytes, Int32(length)), "RAND_bytes")
        return bytes
    }
}
