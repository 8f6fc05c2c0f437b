import XCTest

/// The testbed inventory (`inventory PATH`, `--inventory`): `$(node.control.mac)` in
/// the recipe of a `foreach` target; and `-a`, which puts ALL_NODES before NODES.
final class InventoryTests: XCTestCase {
    private let targetfile = """
        inventory inventory.json
        ALL_NODES ?= 1-3
        NODES ?= 1

        pxe:
            foreach node in $(NODES)
            out pxelinux.cfg/$(node)
            run echo "01-$(node.control.mac) $(node.cmc.hostname)" > $(out)
        """

    private func inventory(fit02Mac: String = "00:03:1d:0e:03:29") -> String {
        (1...3).map { n in
            let mac = n == 2 ? fit02Mac : "00:03:1d:0e:03:\(n)9"
            return """
                {"cmc": {"hostname": "reboot0\(n)", "ip": "192.168.1.\(n)", "mac": "02:00:00:00:00:0\(n)"},
                 "control": {"hostname": "fit0\(n)", "ip": "192.168.3.\(n)", "mac": "\(mac)"}}
                """
        }.joined(separator: ",\n").wrappedInBrackets
    }

    func testRecipesReadFieldsOfTheirNode() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("inventory.json", inventory())
        let run = try project.tbmake("--json", "pxe", "NODES=1-2")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(try project.read("pxelinux.cfg/fit01"), "01-00:03:1d:0e:03:19 reboot01\n")
        XCTAssertEqual(try project.read("pxelinux.cfg/fit02"), "01-00:03:1d:0e:03:29 reboot02\n")
    }

    func testEditingOneNodesEntryRerunsOnlyThatNode() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("inventory.json", inventory())
        XCTAssertEqual(try project.tbmake("pxe", "NODES=1-3").status, 0)
        try project.write("inventory.json", inventory(fit02Mac: "00:03:1d:0e:03:aa"))
        let run = try project.tbmake("--json", "pxe", "NODES=1-3")
        XCTAssertEqual(run.started(), ["pxe@fit02"])
        XCTAssertEqual(run.decisions()["pxe@fit01"], "skip: up to date")
        XCTAssertEqual(run.decisions()["pxe@fit03"], "skip: up to date")
        XCTAssertEqual(try project.read("pxelinux.cfg/fit02"), "01-00:03:1d:0e:03:aa reboot02\n")
    }

    func testAllNodesWithExclusion() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("inventory.json", inventory())
        let run = try project.tbmake("--json", "-a", "pxe", "NODES=~2")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(Set(run.started()), ["pxe@fit01", "pxe@fit03"])
        XCTAssertFalse(project.exists("pxelinux.cfg/fit02"))
    }

    func testANodeOutsideTheInventoryFailsItsInstance() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("inventory.json", inventory())
        let run = try project.tbmake("pxe", "NODES=4")
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertTrue(run.stderr.contains("tbmake: pxe@fit04 failed: Targetfile:8:18: node 'fit04' is not in the inventory"), run.stderr)
    }

    func testAMalformedInventoryIsOneLine() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("inventory.json", "{\"not\": \"a list\"}")
        let run = try project.tbmake("pxe")
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderr, "tbmake: inventory.json: not an inventory (expected a JSON array of nodes, each interface an object of strings)\n")
    }

    func testAllNodesNeedsAllNodes() throws {
        let project = try Project(targetfile: "NODES ?= 1\nt:\n    foreach node in $(NODES)\n    run true\n")
        let run = try project.tbmake("-a", "t")
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderr, "tbmake: -a needs ALL_NODES: define it in Targetfile (ALL_NODES ?= 1-37)\n")
    }
}

private extension String {
    var wrappedInBrackets: String { "[\n" + self + "\n]\n" }
}
