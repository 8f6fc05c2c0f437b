import XCTest

/// Layered configuration (`/etc/tbmake.conf`, `~/.tbmake.conf`, `./tbmake.conf`; here
/// through `TBMAKE_CONFIG`): variables are defaults under the environment and the
/// command line, hosts override the Targetfile's declarations, a later file wins.
final class LayeredConfigTests: XCTestCase {
    private let targetfile = """
        image ?= fedora
        host dev2 = ssh nowhere.invalid
        show:
            host dev2
            run echo $(image) > $(root)/image.txt
        """

    private func run(_ project: Project, config: String, _ arguments: String...) throws -> RunResult {
        // The environment must not hold `image`: it would override the configured value.
        try project.shell("env -u image TBMAKE_CONFIG=\(config) \(try TBMakeBinary.path()) -C . " + arguments.joined(separator: " "))
    }

    func testLaterLayersOverrideEarlierOnesAndTheCommandLineOverridesAll() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("system.conf", "[variables]\nimage = ubuntu\n\n[hosts]\ndev2 = local\n")
        try project.write("user.conf", "# only what changes\n[variables]\nimage = debian\n")

        XCTAssertEqual(try run(project, config: "system.conf", "show").status, 0)
        XCTAssertEqual(try project.read(".tbmake/hosts/dev2/image.txt"), "ubuntu\n", "[hosts] made dev2 a local sandbox")

        XCTAssertEqual(try run(project, config: "system.conf:user.conf", "show").status, 0)
        XCTAssertEqual(try project.read(".tbmake/hosts/dev2/image.txt"), "debian\n")

        XCTAssertEqual(try run(project, config: "system.conf:user.conf", "show", "image=arch").status, 0)
        XCTAssertEqual(try project.read(".tbmake/hosts/dev2/image.txt"), "arch\n")
    }

    func testAMissingLayerIsSkipped() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("user.conf", "[hosts]\ndev2 = local\n")
        XCTAssertEqual(try run(project, config: "no-such.conf:user.conf", "show").status, 0)
        XCTAssertEqual(try project.read(".tbmake/hosts/dev2/image.txt"), "fedora\n")
    }

    func testABadLineIsOneErrorNamingFileAndLine() throws {
        let project = try Project(targetfile: targetfile)
        try project.write("bad.conf", "[variables]\nimage ubuntu\n")
        let result = try run(project, config: "bad.conf", "show")
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "tbmake: bad.conf:2: expected 'name = value'\n")
        try project.write("bad.conf", "[nodes]\n")
        XCTAssertEqual(try run(project, config: "bad.conf", "show").stderr,
                       "tbmake: bad.conf:1: unknown section '[nodes]' (expected [variables], [hosts] or [cache])\n")
    }
}
