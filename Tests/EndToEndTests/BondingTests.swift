import Foundation
import XCTest

/// rules/bonding.tb: a dry run that touches nothing, a node allocated once and
/// remembered in a state file, and a dependent reading that state.
final class BondingTests: XCTestCase {
    private let stateFile = "arg-bonding-2015.04.13--f21"

    func testDryRunListsWhatWouldRunAndChangesNothing() throws {
        let project = try Project.demo()
        let before = try project.snapshot()

        let human = try project.tbmake("-n", "bonding-node")
        XCTAssertEqual(human.status, 0, "\(human)")
        let lines = human.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, "\(human)")
        XCTAssertEqual(lines.first.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) },
                       ["run", "bond-flavour", "never", "ran"])
        // The command it would run, as make -n prints it; bonding-node's waits for bond-flavour's output.
        XCTAssertEqual(lines[1], #"    $ printf 'fcdistro=%s\npldistro=%s\n'  "$(cat demo/builds/2015.04.13--f21/arg-fcdistro)"  "$(cat demo/builds/2015.04.13--f21/arg-pldistro)" > arg-flavour-2015.04.13--f21"#)
        XCTAssertEqual(lines[2].split(separator: " ", omittingEmptySubsequences: true).map(String.init),
                       ["run", "bonding-node", "never", "ran"])
        XCTAssertEqual(lines.last, "tbmake: 2 would run, 0 up to date (dry run: nothing was changed)")

        let json = try project.tbmake("--json", "-n", "bonding-node")
        XCTAssertEqual(json.status, 0, "\(json)")
        XCTAssertEqual(json.decisions(), ["bond-flavour": "run: never ran", "bonding-node": "run: never ran"])
        XCTAssertEqual(json.started(), [])
        XCTAssertEqual(json.summary()?["would_run"] as? Int, 2)

        XCTAssertEqual(try project.snapshot(), before, "a dry run must not write anything")
        XCTAssertFalse(project.exists(".tbmake"))
        XCTAssertFalse(project.exists(stateFile))
    }

    func testNodeIsAllocatedOnceAndItsStateFeedsDependents() throws {
        let project = try Project.demo()
        let first = try project.tbmake("--json", "bonding-node")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.started(), ["bond-flavour", "bonding-node"])

        let state = try project.read(stateFile)
        let lines = state.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("hostname=node1-f21.bonding.test"), state)
        XCTAssertTrue(lines.contains("ip=10.0.0.1"), state)
        XCTAssertEqual(try project.read(".tbmake/create-node.log").split(separator: "\n").count, 1)

        let second = try project.tbmake("--json", "bonding-node")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.started(), [])
        XCTAssertEqual(second.decisions(), ["bond-flavour": "skip: up to date", "bonding-node": "skip: up to date"])
        XCTAssertEqual(try project.read(".tbmake/create-node.log").split(separator: "\n").count, 1,
                       "the node is remembered, not allocated again")

        let info = try project.tbmake("--json", "node-info")
        XCTAssertEqual(info.status, 0, "\(info)")
        XCTAssertEqual(info.started(), ["node-info"])
        XCTAssertEqual(info.decisions(), ["bond-flavour": "skip: up to date", "bonding-node": "skip: up to date",
                                          "node-info": "run: never ran"])
        let log = try project.read(".tbmake/logs/node-info.log")
        XCTAssertTrue(log.contains("bonding node of 2015.04.13--f21: node1-f21.bonding.test ip 10.0.0.1 flavour f21\n"), log)

        // Edit the node's state by hand: its dependent reruns, the node is not reallocated.
        try project.write(stateFile, state.replacingOccurrences(of: "ip=10.0.0.1", with: "ip=10.9.9.9"))
        let edited = try project.tbmake("--json", "node-info")
        XCTAssertEqual(edited.status, 0, "\(edited)")
        XCTAssertEqual(edited.started(), ["node-info"])
        let decisions = edited.decisions()
        XCTAssertEqual(decisions["bond-flavour"], "skip: up to date")
        XCTAssertEqual(decisions["bonding-node"], "skip: up to date")
        // node-info's expanded recipe now holds the new ip; either account of it is right.
        XCTAssertTrue(["run: recipe changed", "run: dependency bonding-node produced new output"]
                        .contains(decisions["node-info"] ?? "none"), "\(decisions)")
        XCTAssertEqual(try project.read(".tbmake/create-node.log").split(separator: "\n").count, 1)
        let newLog = try project.read(".tbmake/logs/node-info.log")
        XCTAssertTrue(newLog.contains("node1-f21.bonding.test ip 10.9.9.9 flavour f21\n"), newLog)
    }

    /// f21, then f22, then f21 again: f21's node is found in its state file, not
    /// allocated a second time (each allocation is a line of create-node.log).
    func testABuildThatComesBackKeepsItsNode() throws {
        let project = try Project.demo()
        for bonding in ["2015.04.13--f21", "2015.04.13--f22"] {
            let run = try project.tbmake("bonding-node", "bonding=" + bonding)
            XCTAssertEqual(run.status, 0, "\(run)")
        }
        let f21 = try project.read(stateFile)
        let back = try project.tbmake("--json", "bonding-node", "bonding=2015.04.13--f21")
        XCTAssertEqual(back.status, 0, "\(back)")
        XCTAssertEqual(back.decisions(), ["bond-flavour": "skip: up to date", "bonding-node": "skip: up to date"])
        XCTAssertEqual(try project.read(".tbmake/create-node.log").split(separator: "\n").count, 2, "two builds, two nodes")
        XCTAssertEqual(try project.read(stateFile), f21)
    }
}
