import Foundation
import XCTest

/// The demo pipeline of the README: dev-rpm → dev-install → prod-rpm → prod-install,
/// on the embedded local testbed, and what reruns after each kind of edit.
final class DemoPipelineTests: XCTestCase {
    private let pipeline = ["dev-rpm", "dev-install", "prod-rpm", "prod-install"]

    /// A fresh copy of the demo where `tbmake --json prod-install` has run once.
    private func builtDemo() throws -> (Project, RunResult) {
        try TBMakeBinary.requireRPM()
        let project = try Project.demo()
        let first = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(first.status, 0, "\(first)")
        return (project, first)
    }

    func testFirstRunBuildsAndInstallsThenSecondRunHasNothingToDo() throws {
        let (project, first) = try builtDemo()
        XCTAssertEqual(first.started(), pipeline)
        XCTAssertEqual(first.decisions(), Dictionary(uniqueKeysWithValues: pipeline.map { ($0, "run: never ran") }))
        XCTAssertEqual(first.finished(), Dictionary(uniqueKeysWithValues: pipeline.map { ($0, "ok") }))
        XCTAssertTrue(project.exists("dist/kata-dev-1.0-1.noarch.rpm"))
        XCTAssertTrue(project.exists("dist/kata-prod-1.0-1.noarch.rpm"))

        for (host, package) in [("prod", "kata-prod"), ("dev2", "kata-dev")] {
            let query = try project.shell("rpm --root \(project.path)/.tbmake/hosts/\(host) --dbpath /var/lib/rpm -q \(package)")
            XCTAssertEqual(query.status, 0, "\(query)")
            XCTAssertEqual(query.stdout, "\(package)-1.0-1.noarch\n")
        }
        XCTAssertEqual(try project.read(".tbmake/hosts/prod/etc/kata.conf").contains("prod"), true)

        let second = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.started(), [])
        XCTAssertEqual(second.decisions(), Dictionary(uniqueKeysWithValues: pipeline.map { ($0, "skip: up to date") }))
        let summary = try XCTUnwrap(second.summary(), "\(second)")
        XCTAssertEqual(summary["ran"] as? Int, 0)
        XCTAssertEqual(summary["skipped"] as? Int, 4)
        XCTAssertEqual(summary["failed"] as? Int, 0)

        let third = try project.tbmake("prod-install")
        XCTAssertEqual(third.status, 0, "\(third)")
        XCTAssertEqual(third.stdout, "tbmake: nothing to do, everything is up to date\n")
        XCTAssertEqual(third.stderr, "")
    }

    func testEditingTheToolRerunsEverythingThatReachesIt() throws {
        let (project, _) = try builtDemo()
        let devBefore = try project.sha256(file: "dist/kata-dev-1.0-1.noarch.rpm")
        let prodBefore = try project.sha256(file: "dist/kata-prod-1.0-1.noarch.rpm")
        try project.append("demo/kata/kata", "# one more line\n")

        let run = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), pipeline)
        XCTAssertEqual(run.decisions(), [
            "dev-rpm": "run: input demo/kata/kata changed",
            "dev-install": "run: dependency dev-rpm produced new output",
            "prod-rpm": "run: input demo/kata/kata changed",
            "prod-install": "run: dependency prod-rpm produced new output",
        ])
        XCTAssertNotEqual(try project.sha256(file: "dist/kata-dev-1.0-1.noarch.rpm"), devBefore)
        XCTAssertNotEqual(try project.sha256(file: "dist/kata-prod-1.0-1.noarch.rpm"), prodBefore)
        let installed = try project.read(".tbmake/hosts/prod/usr/bin/kata")
        XCTAssertTrue(installed.hasSuffix("# one more line\n"), installed)
    }

    /// The sequence a user types: build, a no-op run (which makes the digest cache trust
    /// the rpms' stats), an edit, a build. The rebuilt rpm must be hashed from its new
    /// stat, not from one taken as the run began.
    func testEditAfterANoOpRunStillReachesTheInstalls() throws {
        let (project, _) = try builtDemo()
        usleep(200_000)   // past the digest cache's racy-clean margin, so entries are trusted
        let noop = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(noop.started(), [])
        try project.append("demo/kata/kata", "# one more line\n")

        let run = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), pipeline)
        XCTAssertEqual(run.decisions()["dev-install"], "run: dependency dev-rpm produced new output")
        XCTAssertEqual(run.decisions()["prod-install"], "run: dependency prod-rpm produced new output")
        XCTAssertEqual(try project.tbmake("--json", "prod-install").started(), [], "and then nothing is left to do")
    }

    func testCommentInSpecRebuildsRpmsButCutsOffBeforeTheInstalls() throws {
        let (project, _) = try builtDemo()
        let devBefore = try project.sha256(file: "dist/kata-dev-1.0-1.noarch.rpm")
        let prodBefore = try project.sha256(file: "dist/kata-prod-1.0-1.noarch.rpm")
        try project.append("demo/kata/kata.spec", "# a comment, nothing else\n")

        let run = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), ["dev-rpm", "prod-rpm"])
        XCTAssertEqual(run.decisions(), [
            "dev-rpm": "run: input demo/kata/kata.spec changed",
            "dev-install": "skip: up to date",
            "prod-rpm": "run: input demo/kata/kata.spec changed",
            "prod-install": "skip: up to date",
        ])
        XCTAssertEqual(try project.sha256(file: "dist/kata-dev-1.0-1.noarch.rpm"), devBefore, "the rpm build is reproducible")
        XCTAssertEqual(try project.sha256(file: "dist/kata-prod-1.0-1.noarch.rpm"), prodBefore, "the rpm build is reproducible")

        let again = try project.tbmake("--json", "prod-install")
        XCTAssertEqual(again.started(), [])
    }

    func testVersionOverrideRerunsWhatUsesItAndOnlyThat() throws {
        try TBMakeBinary.requireRPM()
        let project = try Project.demo()
        let first = try project.tbmake("--json", "all")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(Set(first.started()), Set(pipeline + ["bond-flavour", "bonding-node"]))

        let run = try project.tbmake("--json", "all", "version=1.1")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.started(), pipeline)
        XCTAssertEqual(run.decisions(), [
            "dev-rpm": "run: variable version changed 1.0→1.1",
            "dev-install": "run: variable version changed 1.0→1.1",
            "prod-rpm": "run: variable version changed 1.0→1.1",
            "prod-install": "run: variable version changed 1.0→1.1",
            "bond-flavour": "skip: up to date",
            "bonding-node": "skip: up to date",
            "all": "skip: aggregate",
        ])
        XCTAssertTrue(project.exists("dist/kata-prod-1.1-1.noarch.rpm"))
        let query = try project.shell("rpm --root \(project.path)/.tbmake/hosts/prod --dbpath /var/lib/rpm -q kata-prod")
        XCTAssertEqual(query.stdout, "kata-prod-1.1-1.noarch\n", "\(query)")
        XCTAssertEqual(try project.read(".tbmake/create-node.log").split(separator: "\n").count, 1)
    }
}
