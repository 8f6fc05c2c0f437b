import Foundation
import Testing
@testable import TBSnapshot

/// The library half of `bench/snapshot`: exports TBMAKE_SNAPSHOT_BENCH_TREE (a directory
/// holding `tree/`) in each format into TBMAKE_SNAPSHOT_BENCH_OUT and imports each back,
/// printing one line per measurement, "SNAPSHOT-BENCH <what> <format> <seconds>".
/// Asserts outcomes only. Runs only with TBMAKE_SNAPSHOT_BENCH=1.
@Suite struct SnapshotBenchmark {
    static var monotonicSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TBMAKE_SNAPSHOT_BENCH"] == "1"))
    func exportAndImport() throws {
        let env = ProcessInfo.processInfo.environment
        let source = try #require(env["TBMAKE_SNAPSHOT_BENCH_TREE"])
        let out = try #require(env["TBMAKE_SNAPSHOT_BENCH_OUT"])
        let formats = (env["TBMAKE_SNAPSHOT_BENCH_FORMATS"] ?? "tar,tar.gz,tar.zst").split(separator: ",").compactMap { SnapshotFormat(rawValue: String($0)) }
        for format in formats {
            let archive = "\(out)/tbmake.\(format.fileExtension)", manifestPath = "\(out)/tbmake-\(format.rawValue).manifest"
            var start = Self.monotonicSeconds
            let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: ["tree"], format: format), archive: archive, manifest: manifestPath)
            print("SNAPSHOT-BENCH export \(format.rawValue) \(Self.monotonicSeconds - start) entries=\(manifest.entries.count)")
            for verifyFirst in [true, false] {
                let destination = "\(out)/import-\(format.rawValue)-\(verifyFirst ? "verify" : "single")"
                DirectoryListing.removeTree(destination)
                start = Self.monotonicSeconds
                _ = try Snapshot.importArchive(archive: archive, manifest: manifestPath, into: destination, options: ImportOptions(verifyFirst: verifyFirst))
                print("SNAPSHOT-BENCH import\(verifyFirst ? "" : "-single-pass") \(format.rawValue) \(Self.monotonicSeconds - start)")
                DirectoryListing.removeTree(destination)
            }
        }
    }
}
