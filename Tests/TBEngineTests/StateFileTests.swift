import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// DESIGN §1 "State files": `$(dep.KEY)` read from a dependency's state file, and a
/// person's edit of that file.
final class StateFileTests: XCTestCase {
    private func project() -> Testbed {
        Testbed("""
            all: info notify
            node:
                state arg-node
                run write $(state) hostname=fit01\\nip=10.0.0.1
            info: node
                out info.txt
                run write $(out) $(node.hostname) at $(node.ip)
            notify: node
                run true notify
            """)
    }

    func testDependentReadsValuesFromTheStateFile() throws {
        let bed = project()
        let (summary, _) = try bed.build("all")
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(bed.fs.contents("arg-node"), "hostname=fit01\nip=10.0.0.1")
        XCTAssertEqual(bed.executor().commands, [
            "write .arg-node.tbmake-new hostname=fit01\\nip=10.0.0.1",
            "write .info.txt.tbmake-new fit01 at 10.0.0.1",
            "true notify",
        ])
        XCTAssertEqual(bed.fs.contents("info.txt"), "fit01 at 10.0.0.1")
        XCTAssertEqual(bed.store.trace(for: "node")?.outputs.map(\.path), ["arg-node"])
    }

    func testEditedStateFileRerunsDependentsButNotTheProducer() throws {
        let bed = project()
        try bed.build("all")
        bed.fs.write("arg-node", "# edited by hand\nhostname=fit02\nip=10.0.0.1\n")
        var (summary, observer) = try bed.build("all")
        XCTAssertEqual(observer.decisionsByTarget, [
            "node": Decision(.skip, .upToDate),
            "info": Decision(.run, .recipeChanged),
            "notify": Decision(.run, .dependencyChanged(name: "node")),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 2))
        XCTAssertEqual(bed.executor().commands, ["write .info.txt.tbmake-new fit02 at 10.0.0.1", "true notify"])
        XCTAssertEqual(bed.fs.contents("arg-node"), "# edited by hand\nhostname=fit02\nip=10.0.0.1\n", "the edit is kept")
        XCTAssertEqual(bed.store.trace(for: "node")?.outputs.map(\.digest),
                       [SHA256.digest("# edited by hand\nhostname=fit02\nip=10.0.0.1\n")])
        // The edit is now known: nothing runs.
        (summary, observer) = try bed.build("all")
        XCTAssertEqual(observer.decisionsByTarget, [
            "node": Decision(.skip, .upToDate),
            "info": Decision(.skip, .upToDate),
            "notify": Decision(.skip, .upToDate),
            "all": Decision(.skip, .aggregate),
        ])
        XCTAssertEqual(summary, .counts(skipped: 4))
        XCTAssertEqual(bed.executor().calls, [])
    }

    func testStateFileEditThatKeepsReadValuesStillRerunsOnlyByDependency() throws {
        let bed = project()
        try bed.build("all")
        bed.fs.write("arg-node", "hostname=fit01\nip=10.0.0.1\nnote=x")
        let (_, observer) = try bed.build("all")
        XCTAssertEqual(observer.decisionsByTarget["node"], Decision(.skip, .upToDate))
        XCTAssertEqual(observer.decisionsByTarget["info"], Decision(.run, .dependencyChanged(name: "node")))
        XCTAssertEqual(observer.decisionsByTarget["notify"], Decision(.run, .dependencyChanged(name: "node")))
    }

    func testMissingKeyFailsTheDependentWithItsLocation() throws {
        let bed = Testbed("""
            node:
                state arg-node
                run write $(state) ip=1
            info: node
                run echo $(node.hostname)
            """)
        let (summary, observer) = try bed.build("info")
        XCTAssertEqual(summary, .counts(ran: 1, failed: 1))
        XCTAssertEqual(observer.result("info")?.failure, "Targetfile:5:14: state file arg-node of 'node' has no key 'hostname'")
        XCTAssertEqual(bed.executor().commands, ["write .arg-node.tbmake-new ip=1"])
        XCTAssertNil(bed.store.trace(for: "info"))
    }

    func testStateAndOutPathsOfADependency() throws {
        let bed = Testbed("""
            node:
                out node.log
                state arg-node
                run write $(out) log ; write $(state) k=v
            use: node
                out use.txt
                run write $(out) $(node.out) $(node.state) $(node.k)
            """)
        try bed.build("use")
        XCTAssertEqual(bed.executor().commands, [
            "write .node.log.tbmake-new log ; write .arg-node.tbmake-new k=v",
            "write .use.txt.tbmake-new node.log arg-node v",
        ])
        XCTAssertEqual(bed.store.trace(for: "node")?.outputs.map(\.path), ["node.log", "arg-node"])
    }
}
