import Foundation
import Testing
@testable import TBStore

@Suite struct DigestTests {
    @Test func knownVectors() {
        #expect(SHA256.digest("").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.digest("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.digest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShotAndHasherIsReusable() {
        let hasher = SHA256Hasher()
        hasher.update("a")
        hasher.update([UInt8(ascii: "b")])
        "c".utf8.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
        #expect(hasher.finalize() == SHA256.digest("abc"))
        // finalize() reset it
        #expect(hasher.finalize() == SHA256.digest(""))
        hasher.update(SHA256.digest("abc"))
        let raw = SHA256.digest("abc").withUnsafeBytes { Array($0) }
        #expect(hasher.finalize() == SHA256.digest(raw))
    }

    @Test func updateFieldIsLengthPrefixedAndUnambiguous() {
        let first = SHA256Hasher()
        first.updateField("ab")
        first.updateField("c")
        let second = SHA256Hasher()
        second.updateField("a")
        second.updateField("bc")
        #expect(first.finalize() != second.finalize())

        let field = SHA256Hasher()
        field.updateField("ab")
        #expect(field.finalize() == SHA256.digest([2, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "a"), UInt8(ascii: "b")]))
        #expect(SHA256.digest([2, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "a"), UInt8(ascii: "b")]).hex
                == "5dff2b3fa79721a8181b9beb1db6bcce93b482f9aa3a5c9b864fc4429e31d5f2")
    }

    @Test func hexRoundTrip() throws {
        let digest = SHA256.digest("abc")
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(Digest(hex: hex) == digest)
        #expect(Digest(hex: hex.uppercased()) == digest)
        #expect(Digest(hex: Substring("xx" + hex).dropFirst(2)) == digest)
        #expect(digest.hex == hex)
        #expect(digest.description == hex)
        #expect(digest.short == "ba7816bf8f01")
        let bytes = digest.withUnsafeBytes { Array($0) }
        #expect(bytes.count == 32)
        #expect(bytes.prefix(3) == [0xba, 0x78, 0x16])
        #expect(bytes.withUnsafeBytes { Digest(bytes: $0) } == digest)
        #expect(Set([digest, Digest(hex: hex)!, SHA256.digest("")]).count == 2)
    }

    @Test(arguments: [
        "",
        "abc",
        String(repeating: "0", count: 63),
        String(repeating: "0", count: 65),
        String(repeating: "0", count: 63) + "g",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a ",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015é",
    ])
    func invalidHexIsNil(text: String) {
        #expect(Digest(hex: text) == nil)
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("big.bin")
        // ~3 MiB, not a multiple of the 1 MiB chunk, with varied bytes.
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 12345)
        var state: UInt32 = 12345
        for i in bytes.indices {
            state = state &* 1_103_515_245 &+ 12345
            bytes[i] = UInt8(truncatingIfNeeded: state >> 16)
        }
        writeFile(path, bytes)
        let result = try run("/usr/bin/sha256sum", [path])
        #expect(result.status == 0)
        let expected = String(result.output.prefix(64))
        #expect(try SHA256.digest(fileAt: path).hex == expected)
        #expect(SHA256.digest(bytes).hex == expected)
    }

    @Test func fileDigestOfEmptyFile() throws {
        let directory = TemporaryDirectory()
        writeFile(directory.file("empty"), "")
        #expect(try SHA256.digest(fileAt: directory.file("empty")) == SHA256.digest(""))
    }

    @Test func fileDigestErrors() {
        let directory = TemporaryDirectory()
        let missing = directory.file("missing")
        #expect(throws: StoreError.io(operation: "open", path: missing, errno: ENOENT)) {
            try SHA256.digest(fileAt: missing)
        }
        #expect(throws: StoreError.io(operation: "read", path: directory.path, errno: EISDIR)) {
            try SHA256.digest(fileAt: directory.path)
        }
    }

    @Test func cryptoFailureCarriesOpenSSLMessage() {
        do {
            _ = try EVPMessageDigest.fetch("NO-SUCH-DIGEST")
            Issue.record("fetching an unknown digest succeeded")
        } catch {
            guard case .crypto(let operation, let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(operation == "EVP_MD_fetch(NO-SUCH-DIGEST)")
            #expect(message.contains("digital envelope routines"))
            #expect(error.description.hasPrefix("EVP_MD_fetch(NO-SUCH-DIGEST) failed: error:"))
        }
        // The queue was drained.
        #expect(drainOpenSSLErrors() == "")
    }

    @Test func errorDescriptions() {
        #expect(StoreError.io(operation: "read", path: "dist/x.rpm", errno: EACCES).description
                == "cannot read dist/x.rpm: Permission denied")
        #expect(StoreError.locked(path: ".tbmake/lock", holderPid: 1234).description
                == "another tbmake (pid 1234) is running in this project (.tbmake/lock)")
        #expect(StoreError.locked(path: ".tbmake/lock", holderPid: nil).description
                == "another tbmake is running in this project (.tbmake/lock)")
        #expect(StoreError.crypto(operation: "EVP_DigestUpdate", message: "boom").description
                == "EVP_DigestUpdate failed: boom")
    }
}
