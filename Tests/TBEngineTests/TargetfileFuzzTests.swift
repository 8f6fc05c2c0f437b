import Foundation
import TBEngine
import TBTargetfile
import TBTestSupport
import XCTest

/// A mutational fuzzer of the lexer, parser and loader and of graph loading, seeded
/// with the repository's own Targetfiles (Targetfile, rules/*.tb, examples/*/Targetfile).
/// Every mutant must either load, and then give the graph of all its targets, or throw a
/// `TargetfileError` whose description is one line starting with `file:line:col: `; any
/// other error, a crash, a trap or a hang is a finding.
///
/// The suite runs a quick, deterministic round. `scripts/fuzz-targetfile MINUTES` runs
/// it longer through the environment:
/// - `TBMAKE_FUZZ_SECONDS`: run for this long instead of `TBMAKE_FUZZ_ITERATIONS`
///   (default 5,000) mutants;
/// - `TBMAKE_FUZZ_SEED`: the PRNG seed (default 1);
/// - `TBMAKE_FUZZ_CURRENT`: a file each mutant is written to before it is loaded, so
///   that the one that crashed the process can be kept.
final class TargetfileFuzzTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Repository-relative path → text.
    private static func seeds() throws -> [String: String] {
        let fm = FileManager.default
        var paths = ["Targetfile"]
        paths += try fm.contentsOfDirectory(atPath: root.appendingPathComponent("rules").path)
            .filter { $0.hasSuffix(".tb") }.map { "rules/\($0)" }
        paths += try fm.contentsOfDirectory(atPath: root.appendingPathComponent("examples").path)
            .map { "examples/\($0)/Targetfile" }
            .filter { fm.fileExists(atPath: root.appendingPathComponent($0).path) }
        var seeds: [String: String] = [:]
        for path in paths {
            seeds[path] = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        return seeds
    }

    /// For each seed's directory, its files, as the graph sees them from there: the
    /// demo's for the repository's Targetfile, each example's own for its Targetfile.
    private static func fileSystems(for paths: [String]) -> [String: InMemoryFileSystem] {
        var result: [String: InMemoryFileSystem] = [:]
        for path in paths {
            let directory = (path as NSString).deletingLastPathComponent
            guard result[directory] == nil else { continue }
            let base = root.appendingPathComponent(directory).path
            let under = directory.isEmpty ? ["demo"] : ["."]
            var files: [String: String] = [:]
            for top in under {
                guard let walker = FileManager.default.enumerator(atPath: base + "/" + top) else { continue }
                while let relative = walker.nextObject() as? String {
                    let name = top == "." ? relative : top + "/" + relative
                    guard let data = FileManager.default.contents(atPath: base + "/" + name), data.count < 1 << 20 else { continue }
                    files[name] = String(decoding: data, as: UTF8.self)
                }
            }
            result[directory] = InMemoryFileSystem(files)
        }
        return result
    }

    /// Pieces of the language, inserted whole.
    private static let tokens: [String] = BodyStatement.keywords + [
        "include ", "host ", "secret ", "lock ", "inventory ", "rule ", "local", "ssh ", "foreach n in ",
        "$(", ")", "$$", "$(x)", "$(a.out)", "$(v:raw)", "$(n.control.mac)", ":", "=", "?=", "\\", "\\\n",
        "\n", "\n    ", "    ", "\t", "#", "\\#", "'", "\"", " -> ", "->", "@", "*", "**", ",", "(", " ",
        "\\ ", "1-3", "~2", "fit[01:03]", "5m", "0", "99999999999999999999", "-1", "\r", "é", "\u{0}", "\u{1b}[2J",
        "../", "./", "/", "x = $(x)\n", "a: b\nb: a\n", "rule r(p):\n    run $(p)\n", "t:\n    use r p=1\n",
    ]

    func testMutantsLoadOrFailOnOneLine() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["TBMAKE_FUZZ_SECONDS"].flatMap(Double.init)
        let iterations = environment["TBMAKE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5_000
        var random = SplitMix64(seed: environment["TBMAKE_FUZZ_SEED"].flatMap(UInt64.init) ?? 1)
        let current = environment["TBMAKE_FUZZ_CURRENT"]
        let seeds = try Self.seeds()
        XCTAssertGreaterThanOrEqual(seeds.count, 5, "the seed corpus: \(seeds.keys.sorted())")
        let paths = seeds.keys.sorted()
        let corpus = paths.map { Array(seeds[$0]!.utf8) }

        let start = Date()
        var executions = 0, loaded = 0, failed = 0, findings = 0
        let fileSystems = Self.fileSystems(for: paths)
        while seconds.map({ Date().timeIntervalSince(start) < $0 }) ?? (executions < iterations) {
            let which = Int(random.next(below: UInt64(paths.count)))
            var bytes = corpus[which]
            for _ in 0...random.next(below: 4) { Self.mutate(&bytes, corpus: corpus, random: &random) }
            let path = paths[which]
            let text = String(decoding: bytes, as: UTF8.self)
            if let current { try? Data(bytes).write(to: URL(fileURLWithPath: current)) }
            executions += 1
            do {
                let targetfile = try Targetfile.load(path: path) { $0 == path ? text : seeds[$0] }
                _ = try BuildGraph(targetfile: targetfile, requested: targetfile.targets.map(\.name), overrides: [:],
                                   environment: [:], fileSystem: fileSystems[(path as NSString).deletingLastPathComponent]!)
                loaded += 1
            } catch {
                failed += 1
                if !(error is TargetfileError) || !Self.isOneLineError("\(error)", files: Set(paths)) {
                    findings += 1
                    XCTFail("not a one-line 'file:line:col: ' error: \("\(error)".debugDescription)\n"
                            + "mutant of \(path):\n\(text.debugDescription)")
                }
            }
        }
        print("fuzz-targetfile: \(executions) executions (\(loaded) graphs loaded, \(failed) errors), \(findings) findings, "
              + "\(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(loaded + failed, executions)
    }

    /// `file:line:col: message` on one line, with a known file and positive numbers.
    static func isOneLineError(_ text: String, files: Set<String>) -> Bool {
        guard !text.contains("\n"), !text.contains("\r") else { return false }
        let fields = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, files.contains(String(fields[0])),
              let line = Int(fields[1]), line >= 1, let column = Int(fields[2]), column >= 1 else { return false }
        return fields[3].hasPrefix(" ") && fields[3].count > 1
    }

    func testTheOneLineCheck() {
        let files: Set = ["Targetfile"]
        XCTAssertTrue(Self.isOneLineError("Targetfile:3:14: undefined variable 'x'", files: files))
        XCTAssertFalse(Self.isOneLineError("Targetfile:3:14: two\nlines", files: files))
        XCTAssertFalse(Self.isOneLineError("Targetfile:0:14: line 0", files: files))
        XCTAssertFalse(Self.isOneLineError("other:3:14: unknown file", files: files))
        XCTAssertFalse(Self.isOneLineError("no location", files: files))
    }

    /// A control character in a message is escaped: the error stays one line.
    func testAnErrorQuotingAControlCharacterIsOneLine() {
        func errorOf(_ text: String) -> String? {
            do { _ = try Targetfile.parse(text) } catch { return error.description }
            return nil
        }
        XCTAssertEqual(errorOf("a:\n    r\u{1b}n x\n"),
                       "Targetfile:2:5: unknown keyword 'r\\en' (expected \(BodyStatement.keywords.joined(separator: ", ")))")
        XCTAssertEqual(errorOf("a:\n    timeout 5\rs\n"),
                       "Targetfile:2:13: invalid duration '5\\rs': expected a number with an optional unit, as in 90s, 5m, 1h")
    }

    private static func mutate(_ bytes: inout [UInt8], corpus: [[UInt8]], random: inout SplitMix64) {
        func position() -> Int { Int(random.next(below: UInt64(bytes.count + 1))) }
        switch random.next(below: 8) {
        case 0 where !bytes.isEmpty:   // one byte replaced
            bytes[Int(random.next(below: UInt64(bytes.count)))] = UInt8(truncatingIfNeeded: random.next())
        case 1 where !bytes.isEmpty:   // a run of bytes removed
            let from = Int(random.next(below: UInt64(bytes.count)))
            bytes.removeSubrange(from..<min(bytes.count, from + 1 + Int(random.next(below: 16))))
        case 2, 3:   // a token inserted
            let token = tokens[Int(random.next(below: UInt64(tokens.count)))]
            bytes.insert(contentsOf: Array(token.utf8), at: position())
        default:   // whole lines: duplicated, removed, swapped, or taken from another seed
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { return }
            let i = Int(random.next(below: UInt64(lines.count)))
            switch random.next(below: 4) {
            case 0: lines.insert(lines[i], at: Int(random.next(below: UInt64(lines.count))))
            case 1: lines.remove(at: i)
            case 2: lines.swapAt(i, Int(random.next(below: UInt64(lines.count))))
            default:
                let other = corpus[Int(random.next(below: UInt64(corpus.count)))]
                let otherLines = other.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                lines.insert(Array(otherLines[Int(random.next(below: UInt64(otherLines.count)))]), at: i)
            }
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
        if bytes.count > 65536 { bytes.removeLast(bytes.count - 65536) }
    }
}

/// A small seeded PRNG (SplitMix64): the same seed gives the same mutants on every machine.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform enough in `0..<bound` for a fuzzer; `bound` must be positive.
    mutating func next(below bound: UInt64) -> UInt64 { next() % bound }
}
