import Foundation
import XCTest

/// The tree a local `pack` reads is an input of its target (issue: a changed file under a
/// packed path did not rerun the export).
final class PackedTreeTests: XCTestCase {
    private func project() throws -> Project {
        let project = try Project(targetfile: """
            snap:
                out     snap.tar snap.manifest
                exclude **/*.tmp
                pack    tree etc sub/ -> $(out)

            """)
        try project.write("tree/etc/a.conf", "a\n")
        try project.write("tree/sub/b.txt", "b\n")
        try project.write("tree/sub/c.tmp", "scratch\n")
        try project.write("tree/other.txt", "not packed\n")
        return project
    }

    func testAChangeUnderAPackedPathRerunsTheExportAndNothingElseDoes() throws {
        let project = try project()
        let first = try project.tbmake("--json", "snap")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.decisions(), ["snap": "run: never ran"])

        // Outside the packed paths, excluded, or touched with the same content: up to date.
        try project.write("tree/other.txt", "still not packed\n")
        try project.write("tree/sub/c.tmp", "other scratch\n")
        XCTAssertEqual(try project.shell("touch -d @86400 tree/etc/a.conf").status, 0)
        let same = try project.tbmake("--json", "snap")
        XCTAssertEqual(same.decisions(), ["snap": "skip: up to date"], "\(same)")

        try project.write("tree/sub/b.txt", "B\n")
        let edited = try project.tbmake("--json", "snap")
        XCTAssertEqual(edited.status, 0, "\(edited)")
        XCTAssertEqual(edited.decisions(), ["snap": "run: input tree/sub changed"])
        XCTAssertEqual(try project.shell("tar -xOf snap.tar sub/b.txt").stdout, "B\n")

        // A new file, a mode, a symlink: each is in the archive, so each reruns it.
        for (change, path) in [("echo new > tree/etc/new.conf", "tree/etc"), ("chmod 600 tree/etc/a.conf", "tree/etc"),
                               ("ln -s a.conf tree/etc/link", "tree/etc")] {
            XCTAssertEqual(try project.shell(change).status, 0)
            let rerun = try project.tbmake("--json", "snap")
            XCTAssertEqual(rerun.decisions(), ["snap": "run: input \(path) changed"], change)
        }
        let dry = try project.tbmake("--json", "-n", "snap")
        XCTAssertEqual(dry.decisions(), ["snap": "skip: up to date"])
    }

    /// A recipe that writes into the tree before packing it (xcatexport dumps the
    /// database first) is up to date on the next run: the key keeps what was packed.
    func testATreeTheRecipeWritesBeforePackingIsUpToDateNextTime() throws {
        let project = try Project(targetfile: """
            snap:
                out  snap.tar snap.manifest
                run  mkdir -p tree/db && echo dump > tree/db/dump.csv
                pack tree db -> $(out)

            """)
        XCTAssertEqual(try project.tbmake("snap").status, 0)
        let again = try project.tbmake("--json", "snap")
        XCTAssertEqual(again.decisions(), ["snap": "skip: up to date"], "\(again)")
        try project.write("tree/db/dump.csv", "edited\n")
        let edited = try project.tbmake("--json", "snap")
        XCTAssertEqual(edited.decisions(), ["snap": "run: input tree/db changed"])
    }
}
