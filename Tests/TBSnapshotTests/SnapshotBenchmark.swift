import Foundation
import Testing
@testable import TBSnapshot

/// The library half of `bench/snapshot`: exports TBMAKE_SNAPSHOT_BENCH_TREE (a directory
/// holding `tree/`) in each format into TBMAKE_SNAPSHOT_BENCH_OUT and imports each back,
/// printing one line per measurement, "SNAPSHOT-BENCH <what> <format> <seconds>".
/// Every operation writes into a path no earlier one used, and nothing is removed: on
/// ext4 without a journal, creating files soon after a large removal is much slower
/// (see bench/README.md), so the script removes outputs only after all timing.
/// Asserts outcomes only. Runs only with TBMAKE_SNAPSHOT_BENCH=1.
@Suite struct SnapshotBenchmark {
    static var monotonicSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Writes back what the previous operation left dirty (untimed), then times `body`.
    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        sync()
        let start = monotonicSeconds
        let result = try body()
        return (result, monotonicSeconds - start)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TBMAKE_SNAPSHOT_BENCH"] == "1"))
    func exportAndImport() throws {
        let env = ProcessInfo.processInfo.environment
        let source = try #require(env["TBMAKE_SNAPSHOT_BENCH_TREE"])
        let out = try #require(env["TBMAKE_SNAPSHOT_BENCH_OUT"])
        let formats = (env["TBMAKE_SNAPSHOT_BENCH_FORMATS"] ?? "tar,tar.gz,tar.zst").split(separator: ",").compactMap { SnapshotFormat(rawValue: String($0)) }
        let defaultVerifiesFirst = ImportOptions().verifyFirst
        for format in formats {
            let archive = "\(out)/tbmake.\(format.fileExtension)", manifestPath = "\(out)/tbmake-\(format.rawValue).manifest"
            #expect(try DirectoryListing.lstat(archive) == nil, "\(archive) is left from an earlier run")
            let (manifest, exportTime) = try Self.timed {
                try Snapshot.export(SnapshotSpec(root: source, paths: ["tree"], format: format), archive: archive, manifest: manifestPath)
            }
            print("SNAPSHOT-BENCH export \(format.rawValue) \(exportTime) entries=\(manifest.entries.count)")
            for verifyFirst in [defaultVerifiesFirst, !defaultVerifiesFirst] {
                let mode = verifyFirst ? "verify-first" : "single-pass"
                let destination = "\(out)/import-\(format.rawValue)-\(mode)"
                #expect(try DirectoryListing.lstat(destination) == nil, "\(destination) is left from an earlier run")
                let (imported, importTime) = try Self.timed {
                    try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
                }
                #expect(imported.entries.count == manifest.entries.count)
                let name = verifyFirst == defaultVerifiesFirst ? "import" : "import-\(mode)"
                print("SNAPSHOT-BENCH \(name) \(format.rawValue) \(importTime)")
            }
        }
    }
}
