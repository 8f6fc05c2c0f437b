import Foundation
import XCTest

/// -q, -B, --list, --graph, --validate, --version, --help; usage errors (-H, --ssh-config,
/// -f, cache settings) stop before anything runs or is written.
final class CommandLineTests: XCTestCase {
    /// Each recipe appends its name to `runs`, so the test sees exactly what ran.
    private let counting = """
        ## Build a.
        a: input.txt
            out a.out
            run cat input.txt > a.out
            run echo a >> runs
        # Then b.
        b: a
            out b.out
            run cp a.out b.out
            run echo b >> runs
        c:
            run echo c >> runs

        """

    private func runs(_ project: Project) throws -> [String] {
        guard project.exists("runs") else { return [] }
        return try project.read("runs").split(separator: "\n").map(String.init)
    }

    func testQuestionAnswersByExitStatusAndRunsNothing() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        let fresh = try project.snapshot()
        let outOfDate = try project.tbmake("-q", "b")
        XCTAssertEqual(outOfDate.status, 1, "\(outOfDate)")
        XCTAssertEqual(outOfDate.stdout, "")
        XCTAssertEqual(try project.snapshot(), fresh, "-q writes nothing")

        XCTAssertEqual(try project.tbmake("b").status, 0)
        XCTAssertEqual(try runs(project), ["a", "b"])
        let upToDate = try project.tbmake("-q", "b")
        XCTAssertEqual(upToDate.status, 0, "\(upToDate)")
        XCTAssertEqual(upToDate.stdout, "")

        try project.write("input.txt", "two\n")
        let built = try project.snapshot()
        let changed = try project.tbmake("-q", "b")
        XCTAssertEqual(changed.status, 1, "\(changed)")
        XCTAssertEqual(try project.snapshot(), built, "-q runs nothing")
        XCTAssertEqual(try runs(project), ["a", "b"])
    }

    func testAlwaysMakeRerunsEverything() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        XCTAssertEqual(try project.tbmake("-j", "1", "b").status, 0)
        let forced = try project.tbmake("--json", "-B", "-j", "1", "b")
        XCTAssertEqual(forced.status, 0, "\(forced)")
        XCTAssertEqual(forced.decisions(), ["a": "run: forced (-B)", "b": "run: forced (-B)"])
        XCTAssertEqual(forced.started(), ["a", "b"])
        XCTAssertEqual(try runs(project), ["a", "b", "a", "b"])
    }

    func testListShowsNamesAndDescriptions() throws {
        let project = try Project(targetfile: counting)
        let list = try project.tbmake("--list")
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdout, "a  Build a.\nb  Then b.\nc\n")

        let demo = try Project.demo()
        let demoList = try demo.tbmake("--list")
        XCTAssertEqual(demoList.status, 0, "\(demoList)")
        let lines = demoList.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("prod-install ") && $0.hasSuffix("Copy the prod rpm to prod and install it there.") },
                      demoList.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("bonding-node ") }, demoList.stdout)
        XCTAssertFalse(demo.exists(".tbmake"))
    }

    func testGraphIsGraphvizDot() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        let graph = try project.tbmake("--graph", "b")
        XCTAssertEqual(graph.status, 0, "\(graph)")
        XCTAssertTrue(graph.stdout.hasPrefix("digraph"), graph.stdout)
        XCTAssertTrue(graph.stdout.contains("\"b\" -> \"a\""), graph.stdout)
        XCTAssertTrue(graph.stdout.hasSuffix("}\n"), graph.stdout)
        XCTAssertEqual(try runs(project), [])
    }

    func testValidateAcceptsTheDemo() throws {
        let demo = try Project.demo()
        let before = try demo.snapshot()
        let result = try demo.tbmake("--validate")
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdout.hasPrefix("Targetfile: OK, "), result.stdout)
        XCTAssertEqual(try demo.snapshot(), before)
    }

    func testVersion() throws {
        let project = try Project(targetfile: counting)
        let result = try project.tbmake("--version")
        XCTAssertEqual(result.status, 0, "\(result)")
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(version.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+"#, options: .regularExpression), "\(result)")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "\(result)")
    }

    func testHelpMentionsTheMakeFlags() throws {
        let project = try Project(targetfile: counting)
        let result = try project.tbmake("--help")
        XCTAssertEqual(result.status, 0, "\(result)")
        for flag in ["-j", "-k", "-n", "-B", "-q"] {
            XCTAssertTrue(result.stdout.contains(flag), "--help does not mention \(flag): \(result)")
        }
        XCTAssertEqual(try runs(project), [])
    }

    // MARK: - Usage errors

    private let hosts = """
        host prod = local
        host fit* = local
        install:
            host prod
            run echo installed > $(root)/installed

        """

    /// `-H prdo=local` (prod mistyped) would leave prod as declared and run there.
    func testHostOverrideOfAnUndeclaredHostIsAUsageError() throws {
        let project = try Project(targetfile: hosts)
        let typo = try project.tbmake("-H", "prdo=local", "install")
        XCTAssertEqual(typo.status, 2, "\(typo)")
        XCTAssertEqual(typo.stderr, "tbmake: -H prdo=local: no host 'prdo' is declared in Targetfile or tbmake.conf (did you mean 'prod'?)\n")
        XCTAssertEqual(typo.stdout, "")
        XCTAssertFalse(project.exists(".tbmake"), "nothing ran, nothing was written")
        let unrelated = try project.tbmake("-H", "backup=local", "install")
        XCTAssertEqual(unrelated.stderr, "tbmake: -H backup=local: no host 'backup' is declared in Targetfile or tbmake.conf\n")
        XCTAssertEqual(unrelated.status, 2)
        XCTAssertEqual(try project.tbmake("--validate", "-H", "prdo=local").status, 2)

        // Declared by name, by pattern, or in tbmake.conf: accepted.
        XCTAssertEqual(try project.tbmake("-n", "-H", "prod=local", "-H", "fit07=local", "install").status, 0)
        try project.write("tbmake.conf", "[hosts]\nbackup = local\n")
        let configured = try project.start(["-n", "-H", "backup=local", "install"],
                                           environment: ["TBMAKE_CONFIG": project.path + "/tbmake.conf"]).wait()
        XCTAssertEqual(configured.status, 0, "\(configured)")
        XCTAssertFalse(project.exists(".tbmake"))
    }

    func testAMissingSSHConfigIsAUsageError() throws {
        let project = try Project(targetfile: hosts)
        for arguments in [["install"], ["-n", "install"], ["--validate"]] {
            let result = try project.start(["--ssh-config", project.path + "/no-such-config"] + arguments).wait()
            XCTAssertEqual(result.status, 2, "\(arguments): \(result)")
            XCTAssertEqual(result.stderr, "tbmake: ssh config \(project.path)/no-such-config: No such file or directory\n")
        }
        XCTAssertFalse(project.exists(".tbmake"))
    }

    /// A usage or Targetfile error writes nothing: no `.tbmake/` in a new project, and an
    /// existing one (lock included) left exactly as it was.
    func testAnErrorWritesNothing() throws {
        let project = try Project(targetfile: counting)
        try project.write("input.txt", "one\n")
        let usageErrors: [(arguments: [String], environment: [String: String], stderr: String)] = [
            (["c"], ["TBMAKE_CACHE_MAX_SIZE": "lots"],
             "tbmake: TBMAKE_CACHE_MAX_SIZE=lots is not a size: use a number of bytes, or one with K, M, G or T (powers of 1024), e.g. 10G\n"),
            (["--cache-dir", "", "c"], [:], "tbmake: cannot use cache directory : Invalid argument\n"),
            (["-H", "prdo=local", "c"], [:],
             "tbmake: -H prdo=local: no host 'prdo' is declared in Targetfile or tbmake.conf\n"),
            (["no-such-target"], [:], "tbmake: no target named 'no-such-target' in Targetfile (see tbmake --list)\n"),
        ]
        for error in usageErrors {
            let result = try project.start(error.arguments, environment: error.environment).wait()
            XCTAssertEqual(result.status, 2, "\(error.arguments)")
            XCTAssertEqual(result.stderr, error.stderr)
            XCTAssertFalse(project.exists(".tbmake"), "\(error.arguments) \(error.environment)")
            XCTAssertFalse(project.exists("cache"))
        }
        XCTAssertEqual(try project.tbmake("b").status, 0)
        let before = try project.snapshot()
        XCTAssertTrue(before.contains { $0.hasPrefix("f .tbmake/lock mode=644 size=0 ") }, "\(before)")
        for error in usageErrors {
            XCTAssertEqual(try project.start(error.arguments, environment: error.environment).wait().status, 2)
            XCTAssertEqual(try project.snapshot(), before, "\(error.arguments) \(error.environment)")
        }
        // A Targetfile error found after parsing, in the pipeline lock's path.
        try project.write("Targetfile", "lock /tmp/$(nope)/pipeline.lock\n" + counting)
        for arguments in [["b"], ["--validate"]] {
            let lockError = try project.start(arguments).wait()
            XCTAssertEqual(lockError.status, 2, "\(arguments)")
            XCTAssertEqual(lockError.stderr, "tbmake: Targetfile:1:11: undefined variable 'nope'\n")
        }
        try project.write("Targetfile", counting + "oops\n")
        let broken = try project.tbmake("b")
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.hasPrefix("tbmake: Targetfile:13:"), broken.stderr)
        XCTAssertEqual(try project.snapshot().filter { !$0.hasPrefix("f Targetfile ") },
                       before.filter { !$0.hasPrefix("f Targetfile ") })
    }

    /// `-f` names a file that cannot be read: the message says why, not "does not exist".
    func testAnUnreadableTargetfileSaysWhy() throws {
        let project = try Project(targetfile: counting)
        try FileManager.default.createDirectory(atPath: project.path + "/dir", withIntermediateDirectories: false)
        let directory = try project.tbmake("-f", "dir")
        XCTAssertEqual(directory.status, 2)
        XCTAssertEqual(directory.stderr, "tbmake: cannot read dir: Is a directory (use -f FILE or -C DIR)\n")
        XCTAssertEqual(try project.tbmake("-f", "none").stderr,
                       "tbmake: no Targetfile: none does not exist (use -f FILE or -C DIR)\n")

        // Mode 000 stops anyone but root: as root, run tbmake as nobody.
        try project.write("closed", "c:\n    run true\n")
        XCTAssertEqual(chmod(project.path + "/closed", 0), 0)
        XCTAssertEqual(chmod(project.path, 0o755), 0)
        let asUser = getuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : ""
        let binary = try TBMakeBinary.path()
        guard try project.shell(asUser + "\(binary) --version").status == 0 else {
            throw XCTSkip("nobody cannot run \(binary)")
        }
        let asNobody = try project.shell(asUser + "\(binary) -f closed")
        XCTAssertEqual(asNobody.status, 2, "\(asNobody)")
        XCTAssertEqual(asNobody.stderr, "tbmake: cannot read closed: Permission denied (use -f FILE or -C DIR)\n")
    }

    // MARK: - -t clean, forget, query; shell completion

    func testToolsCleanForgetAndQuery() throws {
        let project = try Project(targetfile: counting + "s:\n    state s.state\n    run echo x=1 > $(state)\n")
        try project.write("input.txt", "in\n")
        XCTAssertEqual(try project.tbmake("--no-restore", "b", "s").status, 0)
        XCTAssertEqual(try runs(project), ["a", "b"])

        let query = try project.tbmake("-t", "query", "b")
        XCTAssertEqual(query.status, 0, "\(query)")
        let lines = query.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(6)), ["b:", "  host: local", "  dependencies: a", "  inputs: -", "  outputs: b.out",
                                                lines.count > 5 ? lines[5] : "?"])
        XCTAssertNotNil(lines[5].range(of: #"^  last run: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, \d+\.\ds$"#, options: .regularExpression), lines[5])
        XCTAssertEqual(lines[6], "  last key:")
        XCTAssertTrue(lines.contains { $0.hasPrefix("    dep:a ") }, query.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("    recipe ") }, query.stdout)
        XCTAssertEqual(try project.tbmake("-t", "query", "c").stdout,
                       "c:\n  host: local\n  dependencies: -\n  inputs: -\n  outputs: -\n  last run: never\n")

        // forget: b runs again, a does not.
        XCTAssertEqual(try project.tbmake("-t", "forget", "b").stdout, "tbmake: forgot b: it runs next time\n")
        XCTAssertEqual(try project.tbmake("--json", "-n", "--no-restore", "b").decisions(), ["a": "skip: up to date", "b": "run: never ran"])
        XCTAssertEqual(try project.tbmake("--no-restore", "b").status, 0)
        XCTAssertEqual(try runs(project), ["a", "b", "b"])

        // clean: the outputs of b and of what it depends on; not c's, not input.txt.
        XCTAssertEqual(try project.tbmake("-t", "clean", "b").stdout, "tbmake: removed 2 files\n")
        XCTAssertFalse(project.exists("a.out"))
        XCTAssertFalse(project.exists("b.out"))
        XCTAssertTrue(project.exists("input.txt"))
        XCTAssertTrue(project.exists("s.state"))
        XCTAssertEqual(try project.tbmake("-t", "clean", "s").stdout, "tbmake: removed 1 file\n")
        XCTAssertFalse(project.exists("s.state"))
        XCTAssertEqual(try project.tbmake("--no-restore", "b").status, 0)
        XCTAssertEqual(try runs(project), ["a", "b", "b", "a", "b"])

        let bogus = try project.tbmake("-t", "bogus")
        XCTAssertEqual(bogus.status, 2)
        XCTAssertEqual(bogus.stderr, "tbmake: -t bogus: no such tool (tools: clean, forget, query) (see tbmake --help)\n")
        XCTAssertEqual(try project.tbmake("-t", "forget").stderr, "tbmake: -t forget needs at least one TARGET\n")
    }

    func testShellCompletionOffersTheTargetNames() throws {
        let project = try Project(targetfile: counting)
        let binary = try TBMakeBinary.path()
        let bash = try RunningTBMake(binary: binary, arguments: ["--generate-completion-script", "bash"]).wait()
        XCTAssertEqual(bash.status, 0)
        XCTAssertTrue(bash.stdout.contains("---completion -- positional@0"), "the script asks tbmake for target names")
        let zsh = try RunningTBMake(binary: binary, arguments: ["--generate-completion-script", "zsh"]).wait()
        XCTAssertTrue(zsh.stdout.hasPrefix("#compdef tbmake"), zsh.stdout)
        // What the scripts run: in the project, and with -C from elsewhere.
        let here = try RunningTBMake(binary: binary, arguments: ["---completion", "--", "positional@0", "tbmake", ""],
                                     directory: project.path).wait()
        XCTAssertEqual(here.stdout, "a\nb\nc\n")
        let elsewhere = try RunningTBMake(binary: binary, arguments: ["---completion", "--", "positional@0", "tbmake", "-C",
                                                                      project.path, ""], directory: "/").wait()
        XCTAssertEqual(elsewhere.stdout, "a\nb\nc\n")
    }
}
