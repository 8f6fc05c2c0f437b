import Foundation
import TBEngine
import TBHosts
import XCTest

final class LocalExecutorIdentityTests: XCTestCase {
    private var project: TemporaryDirectory!

    override func setUpWithError() throws {
        project = try TemporaryDirectory()
    }

    override func tearDown() {
        project = nil
    }

    private func sandbox(_ name: String = "dev2") -> LocalExecutor {
        LocalExecutor(hostName: name, projectDirectory: project.path, sandboxed: true)
    }

    private func assertIsRandomIdentity(_ identity: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(identity.hasPrefix("local:"), identity, file: file, line: line)
        let id = identity.dropFirst("local:".count)
        XCTAssertEqual(id.count, 32, identity, file: file, line: line)
        XCTAssertTrue(id.allSatisfy { $0.isHexDigit && !$0.isUppercase }, identity, file: file, line: line)
    }

    func testImplicitHostIsTheProjectDirectory() throws {
        let local = LocalExecutor(hostName: "local", projectDirectory: project.path + "/./", sandboxed: false)
        XCTAssertEqual(try local.identity(), "local:" + project.path)
        XCTAssertEqual(local.variables, ["root": project.path])
        XCTAssertEqual(try entries(project.path), [])
    }

    func testMissingSandboxIsAbsentAndNotCreated() throws {
        let host = sandbox()
        XCTAssertEqual(host.variables, ["root": project.path + "/.tbmake/hosts/dev2"])
        XCTAssertEqual(try host.identity(), "local:<absent>")
        XCTAssertEqual(try host.identity(), "local:<absent>")
        XCTAssertEqual(try entries(project.path), [], "neither init nor identity() creates anything")
    }

    func testIdentityIsStableAndChangesWhenTheSandboxIsRemoved() throws {
        let host = sandbox()
        XCTAssertEqual(try host.run(command: "true", environment: [:], deadline: nil, output: CapturingSink()), 0)
        let first = try host.identity()
        assertIsRandomIdentity(first)
        XCTAssertEqual(try host.identity(), first)
        XCTAssertEqual(try sandbox().identity(), first, "another executor of the same sandbox agrees")
        XCTAssertEqual(try readText(project.path + "/.tbmake/hosts/dev2/.tbmake-host-id"),
                       String(first.dropFirst("local:".count)) + "\n")

        try FileManager.default.removeItem(atPath: project.path + "/.tbmake/hosts/dev2")
        XCTAssertEqual(try host.identity(), "local:<absent>")
        try host.prepare()
        let second = try host.identity()
        assertIsRandomIdentity(second)
        XCTAssertNotEqual(second, first)
    }

    func testSandboxesOfDifferentHostsDiffer() throws {
        let dev = sandbox("dev2"), prod = sandbox("prod")
        try dev.prepare()
        try prod.prepare()
        XCTAssertNotEqual(try dev.identity(), try prod.identity())
        XCTAssertEqual(try entries(project.path + "/.tbmake/hosts"), ["dev2", "prod"])
    }

    func testCorruptIdFileIsNotTrustedAndIsReplaced() throws {
        try project.write(".tbmake/hosts/dev2/.tbmake-host-id", "not an id\n")
        let host = sandbox()
        XCTAssertEqual(try host.identity(), "local:<absent>")
        try host.prepare()
        assertIsRandomIdentity(try host.identity())
        XCTAssertEqual(try entries(project.path + "/.tbmake/hosts/dev2"), [".tbmake-host-id"])
    }

    func testConcurrentFirstUseCreatesOneIdentity() throws {
        let hosts = (0..<4).map { _ in sandbox() }
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            do { try hosts[index].prepare() } catch { XCTFail("\(error)") }
        }
        let identities = Set(try hosts.map { try $0.identity() })
        XCTAssertEqual(identities.count, 1)
        assertIsRandomIdentity(try XCTUnwrap(identities.first))
    }

    func testUnusableHostNameIsReported() throws {
        let host = sandbox("../escape")
        XCTAssertThrowsError(try host.identity()) { error in
            XCTAssertEqual("\(error)", "host ../escape unavailable: the name cannot be used as a sandbox directory")
        }
    }
}
