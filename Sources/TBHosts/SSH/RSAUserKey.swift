import CCrypto
import Glibc

/// An RSA user key that signs with SHA-2 (`rsa-sha2-512`, `rsa-sha2-256`: RFC 8332),
/// through OpenSSL. libssh2 1.10 signs RSA keys with SHA-1 only (`ssh-rsa`), which
/// OpenSSH refuses since 8.8; `SSHConnection.authenticate` uses this key with
/// libssh2's sign-callback API instead. Owns its `EVP_PKEY` (freed in `deinit`).
///
/// The public key blob sent names the signature algorithm rather than `ssh-rsa`
/// (libssh2 1.10 takes the request's algorithm from the blob); OpenSSH reads such a
/// blob as the same RSA key.
final class RSAUserKey {
    enum Algorithm: String {
        case sha512 = "rsa-sha2-512"
        case sha256 = "rsa-sha2-256"
    }

    private let key: OpaquePointer
    /// e and n, big-endian.
    private let exponent: [UInt8]
    private let modulus: [UInt8]
    /// What `sign` uses; set before each authentication attempt.
    var algorithm = Algorithm.sha512

    /// The key in `contents` (OpenSSH format, or PEM as OpenSSL reads it), if it is an
    /// unencrypted RSA key; nil otherwise.
    init?(privateKeyFile contents: [UInt8]) {
        if let openssh = OpenSSHPrivateKey(contents) {
            guard !openssh.isEncrypted, openssh.keyType == "ssh-rsa", var fields = openssh.fields,
                  let n = fields.string(), let e = fields.string(), let d = fields.string(),
                  let iqmp = fields.string(), let p = fields.string(), let q = fields.string(),
                  let key = Self.makeKey(n: n, e: e, d: d, p: p, q: q, iqmp: iqmp)
            else { return nil }
            self.key = key
            modulus = n
            exponent = e
        } else {
            guard let key = contents.withUnsafeBytes({ bytes -> OpaquePointer? in
                guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
                defer { BIO_free(bio) }
                return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            }) else { return nil }
            guard EVP_PKEY_is_a(key, "RSA") == 1, let n = Self.parameter(key, "n"), let e = Self.parameter(key, "e") else {
                EVP_PKEY_free(key)
                return nil
            }
            self.key = key
            modulus = n
            exponent = e
        }
    }

    deinit { EVP_PKEY_free(key) }

    /// The public key as sent in the authentication request, named `algorithm`.
    var publicBlob: [UInt8] {
        var writer = SSHWireWriter()
        writer.string(Array(algorithm.rawValue.utf8))
        writer.mpint(exponent)
        writer.mpint(modulus)
        return writer.bytes
    }

    /// The PKCS #1 v1.5 signature of `data` with `algorithm`'s hash; nil if OpenSSL fails.
    func sign(_ data: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        let digest = algorithm == .sha512 ? EVP_sha512() : EVP_sha256()
        guard EVP_DigestSignInit(context, nil, digest, nil, key) == 1 else { return nil }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, data.baseAddress, data.count) == 1 else { return nil }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, data.baseAddress, data.count) == 1 else { return nil }
        return Array(signature.prefix(length))
    }

    /// An RSA key from the numbers OpenSSH stores; the CRT exponents d mod (p-1) and
    /// d mod (q-1), which it does not, are computed here (OpenSSL 3.0 needs them).
    private static func makeKey(n: [UInt8], e: [UInt8], d: [UInt8], p: [UInt8], q: [UInt8],
                                iqmp: [UInt8]) -> OpaquePointer? {
        guard let builder = OSSL_PARAM_BLD_new(), let scratch = BN_CTX_new() else { return nil }
        defer {
            OSSL_PARAM_BLD_free(builder)
            BN_CTX_free(scratch)
        }
        var numbers = [n, e, d, p, q, iqmp].map { (bytes: [UInt8]) in BN_bin2bn(bytes, Int32(bytes.count), nil) }
        numbers += [BN_new(), BN_new()]
        defer { numbers.forEach { BN_clear_free($0) } }
        // The builder keeps the name pointers until `EVP_PKEY_fromdata`: C strings that live that long.
        let names = ["n", "e", "d", "rsa-factor1", "rsa-factor2", "rsa-coefficient1", "rsa-exponent1", "rsa-exponent2"]
            .map { (name: String) in strdup(name) }
        defer { names.forEach { free($0) } }
        guard numbers.allSatisfy({ $0 != nil }),
              Self.reduce(numbers[2], modulo: numbers[3], into: numbers[6], scratch),
              Self.reduce(numbers[2], modulo: numbers[4], into: numbers[7], scratch),
              zip(names, numbers).allSatisfy({ OSSL_PARAM_BLD_push_BN(builder, $0, $1) == 1 }),
              let parameters = OSSL_PARAM_BLD_to_param(builder)
        else { return nil }
        defer { OSSL_PARAM_free(parameters) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
              EVP_PKEY_fromdata(context, &key, tb_evp_pkey_keypair, parameters) == 1
        else { return nil }
        return key
    }

    /// `result` = `value` mod (`modulus` - 1).
    private static func reduce(_ value: OpaquePointer?, modulo modulus: OpaquePointer?,
                               into result: OpaquePointer?, _ scratch: OpaquePointer) -> Bool {
        guard let less = BN_dup(modulus) else { return false }
        defer { BN_clear_free(less) }
        return BN_sub_word(less, 1) == 1 && BN_div(nil, result, value, less, scratch) == 1
    }

    /// A big-number parameter of `key` (`n`, `e`), big-endian.
    private static func parameter(_ key: OpaquePointer, _ name: String) -> [UInt8]? {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return nil }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: (Int(BN_num_bits(number)) + 7) / 8)
        _ = BN_bn2bin(number, &bytes)
        return bytes
    }
}
