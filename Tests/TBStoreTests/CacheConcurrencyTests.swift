import Foundation
import Testing
@testable import TBStore

@Suite struct CacheConcurrencyTests {
    /// Several writers, each with its own ContentStore (as separate processes would have),
    /// store the same files at the same moment: one object each, intact, no temporaries.
    @Test func concurrentWritersOfTheSameObjectAreHarmless() throws {
        let fixture = CacheFixture()
        let rounds = 8, writers = 4
        var sources: [String] = []
        for round in 0..<rounds {
            let path = fixture.directory.file("src\(round)")
            writeLargeFile(path, mebibytes: 2, seed: UInt64(round + 1))
            sources.append(path)
        }
        let expected = try sources.map { try sha256sum($0)! }

        for round in 0..<rounds {
            let results = ResultBox(count: writers)
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                do throws(StoreError) {
                    let cache = try ContentStore(root: fixture.root)
                    // Half pass the expected digest, half do not: both paths race.
                    let digest = try cache.store(fileAt: sources[round], expected: writer % 2 == 0 ? nil : expected[round])
                    results.set(writer, .success(digest))
                } catch {
                    results.set(writer, .failure(error))
                }
            }
            for result in results.values {
                #expect(try result.get() == expected[round])
            }
        }

        let cache = try fixture.store()
        #expect(try cache.statistics().objects == rounds)
        #expect(try cache.verify() == [])
        #expect(fixture.temporaries().isEmpty)
        for digest in expected {
            #expect(try sha256sum(cache.objectPath(digest)) == digest)
            #expect(linkCount(cache.objectPath(digest)) == 1)
        }
    }

    /// Restores from several threads of one instance while others store into it.
    @Test func concurrentRestoresAndStoresShareOneInstance() throws {
        let fixture = CacheFixture()
        let cache = try fixture.store()
        let digest = try cache.store(fileAt: fixture.source("shared", "shared content"), expected: nil)
        let failures = ResultBox(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do throws(StoreError) {
                if i % 2 == 0 {
                    try cache.restore(digest, to: fixture.directory.file("out/\(i)"), mode: i % 4 == 0 ? 0o444 : 0o644)
                } else {
                    _ = try cache.store(fileAt: fixture.source("s\(i)", "store \(i)"), expected: nil)
                }
                failures.set(i, .success(digest))
            } catch {
                failures.set(i, .failure(error))
            }
        }
        for result in failures.values { _ = try result.get() }
        for i in stride(from: 0, to: 8, by: 2) {
            #expect(readText(fixture.directory.file("out/\(i)")) == "shared content")
        }
        #expect(try cache.statistics().objects == 5)
        #expect(cache.rehashCount == 0)
    }
}

/// Results written from concurrent iterations.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Digest, StoreError>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Digest, StoreError>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    var values: [Result<Digest, StoreError>] {
        lock.lock()
        defer { lock.unlock() }
        return results.map { $0 ?? .failure(.io(operation: "finish", path: "", errno: 0)) }
    }
}
