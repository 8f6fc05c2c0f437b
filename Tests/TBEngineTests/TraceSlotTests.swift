import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "Constructive traces": a target keeps one trace per slot (the outputs, state
/// file and host it names), and a target with effects elsewhere is never restored.
final class TraceSlotTests: XCTestCase {
    /// `node` allocates a node per build (each allocation writes a new number into
    /// `allocated`), keeping it in `arg-bonding-$(bonding)`.
    private func bonding() -> Testbed {
        Testbed("""
            bonding ?= f21
            node:
                state arg-bonding-$(bonding)
                run write $(state) hostname=node-$(bonding)
            info: node
                out info.txt
                run write $(out) $(node.hostname)
            """)
    }

    func testAStateVariableThatComesBackFindsItsNodeUpToDate() throws {
        let bed = bonding()
        try bed.build("info", overrides: ["bonding": "f21"])
        try bed.build("info", overrides: ["bonding": "f22"])
        let (summary, observer) = try bed.build("info", overrides: ["bonding": "f21"])
        XCTAssertEqual(observer.decisionsByTarget, [
            "node": Decision(.skip, .upToDate),
            "info": Decision(.run, .recipeChanged),
        ])
        XCTAssertEqual(summary, .counts(ran: 1, skipped: 1))
        XCTAssertEqual(bed.executor().commands, ["write .info.txt.tbmake-new node-f21"], "no second node for f21")
        XCTAssertEqual(bed.fs.contents("arg-bonding-f21"), "hostname=node-f21")
        XCTAssertEqual(bed.fs.contents("arg-bonding-f22"), "hostname=node-f22")
        // f21's trace is the last one again: the next run with f21 does nothing.
        XCTAssertEqual(bed.store.trace(for: "node")?.outputs.map(\.path), ["arg-bonding-f21"])
        let (again, _) = try bed.build("info", overrides: ["bonding": "f21"])
        XCTAssertEqual(again, .counts(skipped: 2))
    }

    func testAStateFileThatWasRemovedAllocatesAgain() throws {
        let bed = bonding()
        try bed.build("node", overrides: ["bonding": "f21"])
        try bed.build("node", overrides: ["bonding": "f22"])
        bed.fs.removeFile("arg-bonding-f21")
        let (_, observer) = try bed.build("node", overrides: ["bonding": "f21"])
        XCTAssertEqual(observer.decisionsByTarget, ["node": Decision(.run, .stateMissing(path: "arg-bonding-f21"))])
    }

    func testANewSlotNamesWhatChangedSinceTheLastRun() throws {
        let bed = bonding()
        try bed.build("node", overrides: ["bonding": "f21"])
        let (_, observer) = try bed.build("node", overrides: ["bonding": "f22"])
        XCTAssertEqual(observer.decisionsByTarget, ["node": Decision(.run, .variableChanged(name: "bonding", from: "f21", to: "f22"))])
    }

    func testOutputsNamedByAVariableThatComesBackAreUpToDate() throws {
        let bed = Testbed("""
            version ?= 1.0
            rpm: src.c
                out kata-$(version).rpm
                run write $(out) kata $(version)
            """, files: ["src.c": "int main;"])
        try bed.build("rpm", overrides: ["version": "1.0"])
        try bed.build("rpm", overrides: ["version": "1.1"])
        let (summary, observer) = try bed.build("rpm", overrides: ["version": "1.0"])
        XCTAssertEqual(observer.decisionsByTarget, ["rpm": Decision(.skip, .upToDate)])
        XCTAssertEqual(summary, .counts(skipped: 1))
        XCTAssertEqual(bed.executor().commands, [])
    }

    /// An install on a host keeps its outputs (a receipt) and host: v1, v2, then v1
    /// again applies v1 again, and is never restored from the cache.
    func testAHostTargetReturningToAnEarlierKeyRunsAgainAndIsNeverRestored() throws {
        let bed = Testbed("""
            host box = local
            install: payload.txt
                host box
                out  receipt.txt
                run  write $(out) installed $(version)
            version ?= v1
            """, files: ["payload.txt": "v1"])
        let cache = bed.useMemoryCache()
        try bed.build("install")
        bed.fs.write("payload.txt", "v2")
        try bed.build("install")
        bed.fs.write("payload.txt", "v1")
        let (summary, observer) = try bed.build("install")
        XCTAssertEqual(observer.decisionsByTarget, ["install": Decision(.run, .inputChanged(path: "payload.txt"))])
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(bed.executor("box").commands, ["write .receipt.txt.tbmake-new installed v1"])
        XCTAssertEqual(cache.calls, [], "a target with effects elsewhere never asks or fills the cache")
    }

    /// Every kind of effect elsewhere keeps a target out of the cache.
    func testEveryEffectElsewhereKeepsATargetOutOfTheCache() throws {
        let bed = Testbed("""
            host box = local
            on-host: src.c
                host box
                out  a.txt
                run  write $(out) a
            with-state: src.c
                out   b.txt
                state arg-b
                run   write $(out) b ; write $(state) k=v
            with-put: src.c
                out c.txt
                put src.c -> copied.c
                run write $(out) c
            plain: src.c
                out d.txt
                run write $(out) d
            """, files: ["src.c": "int main;"])
        let cache = bed.useMemoryCache()
        try bed.build("on-host", "with-state", "with-put", "plain")
        let keyPlain = try XCTUnwrap(bed.store.traces["plain"]).key
        XCTAssertEqual(cache.calls, [
            .action(key: keyPlain),
            .store(path: "d.txt", digest: SHA256.digest("d")),
            .recordAction(key: keyPlain, paths: ["d.txt"]),
        ])
    }
}
