import Foundation
import XCTest

/// `out DIRECTORY`: a recipe that makes a tree under `$(out)` (a root file system, a
/// set of images) has a directory output, placed as a whole and keyed by its tree.
final class DirectoryOutputTests: XCTestCase {
    private func project() throws -> Project {
        let project = try Project(targetfile: """
            rootfs: files.txt
                out rootfs
                run mkdir -p $(out)/etc $(out)/bin
                run cp files.txt $(out)/etc/files && ln -s ../etc/files $(out)/bin/files

            image: rootfs
                out image.list
                run cd rootfs && find . | sort > ../image.list

            """)
        try project.write("files.txt", "one\n")
        return project
    }

    func testADirectoryOutputIsPlacedWholeRebuiltWholeAndUpToDateOtherwise() throws {
        let project = try project()
        let first = try project.tbmake("--json", "image")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.decisions(), ["rootfs": "run: never ran", "image": "run: never ran"])
        XCTAssertEqual(try project.read("rootfs/etc/files"), "one\n")
        XCTAssertEqual(try project.read("image.list"), ".\n./bin\n./bin/files\n./etc\n./etc/files\n")

        let again = try project.tbmake("--json", "image")
        XCTAssertEqual(again.decisions(), ["rootfs": "skip: up to date", "image": "skip: up to date"], "\(again)")

        // The tree is put back whole: nothing of the modified one stays.
        try project.write("rootfs/etc/stray", "left by hand\n")
        let modified = try project.tbmake("--json", "image")
        XCTAssertEqual(modified.status, 0, "\(modified)")
        XCTAssertEqual(modified.decisions(), ["rootfs": "restore: output rootfs was modified; outputs for this key are in the cache",
                                              "image": "skip: up to date"])
        XCTAssertFalse(project.exists("rootfs/etc/stray"))
        XCTAssertEqual(try project.shell("ls -A").stdout.split(separator: "\n").filter { $0.contains("tbmake-") }, [],
                       "no temporary tree left")

        try project.write("files.txt", "two\n")
        let edited = try project.tbmake("--json", "image")
        XCTAssertEqual(edited.decisions(), ["rootfs": "run: input files.txt changed",
                                            "image": "run: dependency rootfs produced new output"])
        XCTAssertEqual(try project.read("rootfs/etc/files"), "two\n")
    }

    func testAFailedRecipeLeavesThePreviousTreeAndNoTemporaryOne() throws {
        let project = try project()
        XCTAssertEqual(try project.tbmake("rootfs").status, 0)
        try project.write("Targetfile", """
            rootfs: files.txt
                out rootfs
                run mkdir -p $(out)/etc && echo half > $(out)/etc/half
                run false

            """)
        let failed = try project.tbmake("rootfs")
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertEqual(try project.read("rootfs/etc/files"), "one\n")
        XCTAssertFalse(project.exists("rootfs/etc/half"))
        XCTAssertFalse(project.exists(".rootfs.tbmake-new"))
    }

    func testADirectoryOutputIsRestoredFromTheCacheWhole() throws {
        let project = try project()
        XCTAssertEqual(try project.tbmake("image").status, 0)
        let listing = try project.shell("cd rootfs && find . -printf '%y %m %p %l\\n' | sort").stdout
        XCTAssertEqual(listing, "d 755 . \nd 755 ./bin \nd 755 ./etc \nf 644 ./etc/files \nl 777 ./bin/files ../etc/files\n")
        // Restored, its files are read-only as restored file outputs are.
        let restoredListing = listing.replacingOccurrences(of: "f 644", with: "f 444")

        try project.write("files.txt", "two\n")
        XCTAssertEqual(try project.tbmake("image").status, 0)
        try project.write("files.txt", "one\n")
        let reverted = try project.tbmake("--json", "image")
        XCTAssertEqual(reverted.status, 0, "\(reverted)")
        XCTAssertEqual(reverted.decisions(), [
            "rootfs": "restore: input files.txt changed; outputs for this key are in the cache",
            "image": "restore: dependency rootfs produced new output; outputs for this key are in the cache",
        ])
        XCTAssertEqual(try project.read("rootfs/etc/files"), "one\n")
        XCTAssertEqual(try project.shell("cd rootfs && find . -printf '%y %m %p %l\\n' | sort").stdout, restoredListing)

        XCTAssertEqual(try project.shell("rm -rf rootfs").status, 0)
        let missing = try project.tbmake("--json", "image")
        XCTAssertEqual(missing.decisions(), [
            "rootfs": "restore: output rootfs missing; outputs for this key are in the cache",
            "image": "skip: up to date",
        ])
        XCTAssertEqual(try project.shell("cd rootfs && find . -printf '%y %m %p %l\\n' | sort").stdout, restoredListing)
        let again = try project.tbmake("--json", "image")
        XCTAssertEqual(again.decisions(), ["rootfs": "skip: up to date", "image": "skip: up to date"])
    }

    /// `out rootfs/` names the directory rootfs; setuid bits survive a restore; gc keeps
    /// the files of a directory output the project's traces name.
    func testATrailingSlashSetuidBitsAndGarbageCollection() throws {
        let project = try Project(targetfile: """
            rootfs: files.txt
                out rootfs/
                run mkdir -p $(out)/bin && cp files.txt $(out)/bin/sudo && chmod 4755 $(out)/bin/sudo

            """)
        try project.write("files.txt", "one\n")
        let first = try project.tbmake("--json", "rootfs")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(try project.shell("stat -c %a rootfs/bin/sudo").stdout, "4755\n")
        let gc = try project.shell("'\(try TBMakeBinary.path())' cache gc --max-size 1")
        XCTAssertEqual(gc.status, 0, "\(gc)")
        XCTAssertEqual(gc.stdout.split(separator: "\n").prefix(2), ["removed 0 objects, freed 0 bytes", "remaining: 2 objects, 111 bytes"],
                       "the traced tree's listing and its one file are kept: \(gc)")
        XCTAssertEqual(try project.shell("rm -rf rootfs").status, 0)
        let restored = try project.tbmake("--json", "rootfs")
        XCTAssertEqual(restored.decisions(), ["rootfs": "restore: output rootfs missing; outputs for this key are in the cache"],
                       "\(restored)")
        XCTAssertEqual(try project.read("rootfs/bin/sudo"), "one\n")
        XCTAssertEqual(try project.shell("stat -c %a rootfs/bin/sudo").stdout, "4555\n", "read-only, setuid kept")
        XCTAssertEqual(try project.tbmake("--json", "rootfs").decisions(), ["rootfs": "skip: up to date"])
        XCTAssertEqual(try project.shell("chmod u-s rootfs/bin/sudo").status, 0)
        XCTAssertEqual(try project.tbmake("--json", "rootfs").decisions()["rootfs"],
                       "restore: output rootfs was modified; outputs for this key are in the cache", "a lost setuid bit is a change")
    }
}
