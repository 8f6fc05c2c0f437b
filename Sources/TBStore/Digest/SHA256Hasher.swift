import CCrypto

/// SHA-256 as fetched once from the default OpenSSL provider. Owns the `EVP_MD`.
final class EVPMessageDigest: @unchecked Sendable {
    /// Immutable after init; OpenSSL allows sharing a fetched EVP_MD between threads.
    let pointer: OpaquePointer

    private init(takingOwnership pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_MD_free(pointer) }

    /// Fetches an algorithm by name, e.g. "SHA256".
    static func fetch(_ name: String) throws(StoreError) -> EVPMessageDigest {
        EVPMessageDigest(takingOwnership: try check(EVP_MD_fetch(nil, name, nil), "EVP_MD_fetch(\(name))"))
    }

    /// Fetched on first use; a libcrypto without SHA-256 is a broken installation.
    static let sha256: EVPMessageDigest = {
        do {
            return try fetch("SHA256")
        } catch {
            fatalError("tbmake: \(error)")
        }
    }()
}

/// Incremental SHA-256 over OpenSSL's EVP interface.
///
/// Owns one `EVP_MD_CTX`, freed in deinit. Not thread-safe: confine an instance to one
/// thread at a time. After `finalize()` the hasher is reset and can hash again.
///
/// SHA-256 over the default provider cannot fail short of memory exhaustion, so these
/// methods do not throw; if OpenSSL does report a failure, the process stops with
/// OpenSSL's message rather than return a wrong digest.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher ready for `update`.
    public init() {
        do {
            context = try check(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
            try check(EVP_DigestInit_ex2(context, EVPMessageDigest.sha256.pointer, nil), "EVP_DigestInit_ex2")
        } catch {
            fatalError("tbmake: \(error)")
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds raw bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        mustSucceed(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count), "EVP_DigestUpdate")
    }

    /// Feeds the UTF-8 bytes of `string` (no length, no terminator).
    public func update(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            update(Array(string.utf8))
        }
    }

    /// Feeds raw bytes.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the 32 bytes of `digest`.
    public func update(_ digest: Digest) {
        digest.withUnsafeBytes { update($0) }
    }

    /// Feeds a length-prefixed field: the UTF-8 byte count as 8 bytes little-endian, then
    /// the bytes. A sequence of fields is unambiguous: ("ab","c") ≠ ("a","bc").
    public func updateField(_ string: String) {
        var length = UInt64(string.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { update($0) }
        update(string)
    }

    /// The digest of everything fed since init or the last `finalize()`; resets the hasher.
    public func finalize() -> Digest {
        var output = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var length: UInt32 = 0
        let rc = withUnsafeMutableBytes(of: &output) {
            EVP_DigestFinal_ex(context, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
        }
        mustSucceed(rc, "EVP_DigestFinal_ex")
        precondition(length == 32, "SHA-256 gave \(length) bytes")
        mustSucceed(EVP_DigestInit_ex2(context, EVPMessageDigest.sha256.pointer, nil), "EVP_DigestInit_ex2")
        return withUnsafeBytes(of: &output) { Digest(bytes: $0) }
    }

    @inline(__always)
    private func mustSucceed(_ result: Int32, _ operation: StaticString) {
        do {
            try check(result, "\(operation)")
        } catch {
            fatalError("tbmake: \(error)")
        }
    }
}
