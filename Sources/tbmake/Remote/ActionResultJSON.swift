import FoundationEssentials
import TBStore
#if canImport(Glibc)
import Glibc
#endif

/// An action entry as Bazel's remote cache keeps it under `/ac/<key>`: an
/// `ActionResult` (build.bazel.remote.execution.v2) in the proto3 JSON mapping, which
/// bazel-remote accepts with `Content-Type: application/json`:
///
///     {"outputFiles":[{"path":"dist/a.rpm",
///                      "digest":{"hash":"<sha256 hex>","sizeBytes":"1234"},
///                      "isExecutable":false}]}
///
/// Only regular files travel; directory outputs stay in the local cache. What comes
/// from the server is not trusted: a path must be relative and stay inside the project,
/// a hash must be 64 hex digits.
enum ActionResultJSON {
    struct OutputFile: Codable {
        var path: String
        var digest: DigestJSON
        var isExecutable: Bool?
    }

    struct DigestJSON: Codable {
        var hash: String
        /// int64 is a string in proto3 JSON; numbers are accepted too.
        var sizeBytes: Int64

        init(hash: String, sizeBytes: Int64) {
            self.hash = hash
            self.sizeBytes = sizeBytes
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hash = try container.decode(String.self, forKey: .hash)
            if let text = try? container.decode(String.self, forKey: .sizeBytes), let value = Int64(text) {
                sizeBytes = value
            } else {
                sizeBytes = try container.decodeIfPresent(Int64.self, forKey: .sizeBytes) ?? 0
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hash, forKey: .hash)
            try container.encode(String(sizeBytes), forKey: .sizeBytes)
        }

        private enum CodingKeys: String, CodingKey { case hash, sizeBytes }
    }

    struct ActionResult: Codable {
        var outputFiles: [OutputFile]?
        var outputDirectories: [[String: String]]?
    }

    /// Why an entry from the server is not used.
    struct Rejected: Error, CustomStringConvertible {
        var description: String
    }

    /// The JSON body for `entry`, whose objects have the sizes `sizes`.
    static func encode(_ entry: ActionEntry, sizes: [Int64]) -> [UInt8] {
        let files = zip(entry.outputs, sizes).map { output, size in
            OutputFile(path: output.path, digest: DigestJSON(hash: output.digest.hex, sizeBytes: size),
                       isExecutable: output.mode & 0o111 != 0)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(ActionResult(outputFiles: files))) ?? Data())
    }

    /// The entry in `bytes` for `key`, with each output's size; throws `Rejected` for
    /// anything malformed or unsafe.
    static func decode(_ bytes: [UInt8], key: Digest) throws -> (entry: ActionEntry, sizes: [Int64]) {
        let result: ActionResult
        do { result = try JSONDecoder().decode(ActionResult.self, from: Data(bytes)) } catch {
            throw Rejected(description: "not an ActionResult in JSON")
        }
        if let directories = result.outputDirectories, !directories.isEmpty {
            throw Rejected(description: "names directory outputs, which tbmake keeps locally only")
        }
        var outputs: [OutputRecord] = []
        var sizes: [Int64] = []
        for file in result.outputFiles ?? [] {
            guard isSafe(file.path) else { throw Rejected(description: "names the unsafe path '\(file.path)'") }
            guard let digest = Digest(lowercaseHex: file.digest.hash) else {
                throw Rejected(description: "names the invalid digest '\(file.digest.hash)'")
            }
            guard file.digest.sizeBytes >= 0 else { throw Rejected(description: "names a negative size") }
            let mode = UInt32(S_IFREG) | (file.isExecutable == true ? 0o755 : 0o644)
            outputs.append(OutputRecord(path: file.path, digest: digest, mode: mode))
            sizes.append(file.digest.sizeBytes)
        }
        guard !outputs.isEmpty else { throw Rejected(description: "names no outputs") }
        return (ActionEntry(key: key, outputs: outputs), sizes)
    }

    /// A relative path that stays inside the project: no `/` in front, no `..`, `.` or
    /// empty component, no NUL.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.utf8.contains(0) else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
