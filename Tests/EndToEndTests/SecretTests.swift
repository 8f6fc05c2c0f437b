import Foundation
import XCTest

/// `secret NAME`: the value never appears in the output, `--json`, the recipe's log,
/// error messages, or the trace log — yet changing it reruns what uses it.
final class SecretTests: XCTestCase {
    private let targetfile = """
        secret password
        password ?= none
        login:
            out login.txt
            run echo "user root password $(password)" && echo "stderr: $(password)" >&2 && echo done > $(out)
        broken:
            run echo "trying $(password)" && exit 3
        """

    private func everything(_ project: Project, _ runs: [RunResult]) throws -> String {
        var text = runs.map { $0.stdout + $0.stderr }.joined()
        for file in [".tbmake/logs/login.log", ".tbmake/logs/broken.log", ".tbmake/log"] where project.exists(file) {
            text += try project.read(file)
        }
        return text
    }

    func testASecretIsNeverShown() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("--json", "login", "password=hunter2")
        XCTAssertEqual(first.status, 0, "\(first)")
        let failed = try project.tbmake("broken", "password=hunter2")
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("tbmake: broken failed: command exited with status 3: echo \"trying ***\" && exit 3"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("  | trying ***"), failed.stderr)
        let changed = try project.tbmake("--json", "--explain", "login", "password=swordfish")
        XCTAssertEqual(changed.decisions()["login"], "run: variable password changed (secret)→(secret)")
        let all = try everything(project, [first, failed, changed])
        XCTAssertFalse(all.contains("hunter2"), all)
        XCTAssertFalse(all.contains("swordfish"), all)
        XCTAssertTrue(try project.read(".tbmake/logs/login.log").contains("user root password ***\nstderr: ***\n"))
        XCTAssertEqual(try project.read("login.txt"), "done\n", "the recipe itself saw the value")
    }
}
