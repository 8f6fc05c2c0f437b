import Foundation
import XCTest

/// Values spliced into `run` lines never break out of their word (docs/targetfile.md,
/// "Variables and expansion"): outside quotes, inside `"…"` and inside `'…'`, on the
/// local testbed and over ssh. `$(NAME:raw)` splices shell text as it is.
final class HostileValuesTests: XCTestCase {
    /// Each would run a command of its own if spliced as is.
    private let hostile = [
        "; touch pwned",
        "$(touch pwned)",
        "`touch pwned`",
        "a'b\"c",
        "x\" ; touch pwned ; echo \"",
        "x' ; touch pwned ; echo '",
        "two\nlines && touch pwned",
        "*",
    ]

    private func targetfile(host: String?) -> String {
        let hostLine = host.map { "    host \($0)\n" } ?? ""
        return """
            v ?= safe
            bare:
            \(hostLine)    run printf '%s|' $(v) > $(root)/bare.txt
            double:
            \(hostLine)    run printf '%s|' "$(v)" > $(root)/double.txt
            single:
            \(hostLine)    run printf '%s|' '$(v)' > $(root)/single.txt
            all: bare double single
            """
    }

    private func check(_ project: Project, root: String, run: (String) throws -> RunResult) throws {
        for value in hostile {
            let result = try run(value)
            XCTAssertEqual(result.status, 0, "\(value.debugDescription): \(result)")
            for name in ["bare", "double", "single"] {
                XCTAssertEqual(try String(contentsOfFile: "\(root)/\(name).txt", encoding: .utf8), value + "|",
                               "\(name) with \(value.debugDescription)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/pwned"), value.debugDescription)
            XCTAssertFalse(project.exists("pwned"), value.debugDescription)
        }
    }

    func testLocally() throws {
        let project = try Project(targetfile: targetfile(host: nil))
        try check(project, root: project.path) { value in try project.tbmake("-j1", "all", "v=\(value)") }
    }

    func testOverSSH() throws {
        let hosts = try LoopbackHosts(["dev2"])
        let remoteRoot = hosts.directory + "/remote-dev2"
        let project = try Project(targetfile: "host dev2 = ssh dev2box root=\(remoteRoot)\n" + targetfile(host: "dev2"))
        try check(project, root: remoteRoot) { value in
            try RunningTBMake(binary: try TBMakeBinary.path(),
                              arguments: ["-C", project.path, "--ssh-config", hosts.sshConfig, "-j1", "all", "v=\(value)"]).wait()
        }
    }

    func testRawSplicesShellText() throws {
        let project = try Project(targetfile: """
            flags ?= -n hello
            t:
                run echo $(flags:raw) > $(root)/raw.txt
                run echo $(flags) > $(root)/quoted.txt
            """)
        XCTAssertEqual(try project.tbmake("t").status, 0)
        XCTAssertEqual(try project.read("raw.txt"), "hello", "echo -n hello: two words")
        XCTAssertEqual(try project.read("quoted.txt"), "-n hello\n", "one word, printed as is")
    }
}
