import Foundation
import XCTest

/// The secret-leak campaign: 5 secret values (a double quote, a backslash, a single quote
/// and a space, a `$`, non-ASCII) × 4 ways to set them (the Targetfile, the command line,
/// tbmake.conf, the environment), each through a pipeline that splices the value bare,
/// inside `"…"` and `'…'`, through a variable that holds it, into a state file its
/// dependent reads, a failing recipe and a missing prerequisite; run plain, `--json`,
/// `-n --explain` and `--validate`. stdout, stderr and every file under `.tbmake/` and
/// the cache are searched for each value as it is, as a `run` line splices it, and
/// JSON-escaped: zero hits.
final class SecretLeakCampaignTests: XCTestCase {
    private let values = [#"it"s-hunter2"#, #"back\slash-t0ken"#, "o'pen sesame", "cost$5-$HOME", "grüße-秘密-🔑"]

    private enum Way: CaseIterable { case targetfile, commandLine, config, environment }

    private func targetfile(defining definition: String) -> String {
        """
        secret password
        \(definition)
        auth = root:$(password)
        all: login quoted node use broken present
        login:
            out login.txt
            run echo "user root password $(password)" && echo "auth $(auth)" >&2 && echo done > $(out)
        quoted:
            run echo '$(password)' $(password) "$(password)" > /dev/null
        node:
            state node.state
            run printf %s $(password) | sha256sum | cut -c1-24 | sed 's/^/token=/' > $(state)
        use: node
            run echo "token $(node.token)" && exit 3
        broken:
            run echo "trying $(password)" '$(password)' $(password) && exit 4
        missing: keys/$(password).pem
            run true
        present: files/$(password).pem
            run cat files/$(password).pem > /dev/null

        """
    }

    /// Each form in which the value could be printed: as it is, spliced bare
    /// (single-quoted), inside `'…'`, inside `"…"`; and each of these JSON-escaped.
    private func forms(of value: String) -> Set<String> {
        let single = value.replacingOccurrences(of: "'", with: #"'\''"#)
        var double = ""
        for c in value {
            if "\"\\$`".contains(c) { double.append("\\") }
            double.append(c)
        }
        let shell: Set<String> = [value, "'\(single)'", single, double]
        return shell.union(shell.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") })
    }

    /// Every regular file under `directory`, as text.
    private func files(under directory: String) -> [(path: String, text: String)] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [(String, String)] = []
        for case let relative as String in walker {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            result.append((path, String(decoding: data, as: UTF8.self)))
        }
        return result
    }

    func testNoSecretValueIsEverShown() throws {
        var hits: [String] = []
        var runs = 0
        var filesSearched = 0
        for value in values {
            for way in Way.allCases {
                var arguments: [String] = []
                var environment: [String: String] = [:]
                let project: Project
                switch way {
                case .targetfile:
                    project = try Project(targetfile: targetfile(defining: "password = \(value)"))
                case .commandLine:
                    project = try Project(targetfile: targetfile(defining: "password ?= none"))
                    arguments = ["password=\(value)"]
                case .config:
                    project = try Project(targetfile: targetfile(defining: "password ?= none"))
                    try project.write("tbmake.conf", "[variables]\npassword = \(value)\n")
                    environment["TBMAKE_CONFIG"] = project.path + "/tbmake.conf"
                case .environment:
                    project = try Project(targetfile: targetfile(defining: "password ?= none"))
                    environment["password"] = value
                }
                try project.write("files/\(value).pem", "key\n")
                // A prerequisite is split at blanks after expansion, as make does: a value
                // with a space names two inputs there, which must exist too.
                for word in "files/\(value).pem".split(separator: " ") {
                    if !project.exists(String(word)) { try project.write(String(word), "key\n") }
                }
                let invocations: [(arguments: [String], status: Int32)] = [
                    (["-k", "-j1", "all"], 1), (["--json", "-k", "all"], 1), (["-n", "--explain", "all"], 0),
                    (["--json", "-n", "--explain", "all"], 0), (["--validate"], 2), (["missing"], 2),
                    (["--json", "missing"], 2),
                ]
                var outputs: [(String, String)] = []
                for invocation in invocations {
                    let result = try project.start(invocation.arguments + arguments, environment: environment).wait()
                    runs += 1
                    XCTAssertEqual(result.status, invocation.status, "\(way) \(value) \(invocation.arguments): \(result)")
                    outputs.append(("\(invocation.arguments) stdout", result.stdout))
                    outputs.append(("\(invocation.arguments) stderr", result.stderr))
                }
                XCTAssertEqual(try? project.read("login.txt"), "done\n", "\(way) \(value): the recipe ran")
                let token = ((try? project.read("node.state")) ?? "").dropFirst("token=".count).prefix(24)
                XCTAssertEqual(token.count, 24, "\(way) \(value)")
                let stored = files(under: project.path + "/.tbmake") + files(under: project.path + "/cache")
                filesSearched += stored.count
                let needles = forms(of: value).union([String(token)])
                for (place, text) in outputs + stored {
                    for needle in needles where text.contains(needle) {
                        hits.append("\(way) \(value.debugDescription): \(needle.debugDescription) in \(place)")
                    }
                }
            }
        }
        print("secret-leak campaign: \(values.count) values × \(Way.allCases.count) ways, \(runs) runs, "
              + "\(filesSearched) files under .tbmake/ and cache/ searched: \(hits.count) hits")
        XCTAssertEqual(hits, [])
    }
}
