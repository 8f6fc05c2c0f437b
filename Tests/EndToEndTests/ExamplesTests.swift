import Foundation
import XCTest

/// examples/: each example of the seeds, copied with what it includes (rules/, demo/)
/// to a fresh directory and run with the commands of its README.
final class ExamplesTests: XCTestCase {

    // MARK: autobuild (seed 004)

    func testAutobuildRunsTheCycleAndAResetRerunsTheInstalls() throws {
        try TBMakeBinary.requireRPM()
        let example = try Example("autobuild")
        let lock = "autobuild_lock=\(example.project.path)/autobuild.lock"   // not the shared default
        let first = try example.tbmake("--json", "autobuild", lock)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.started(), ["reset-dev2", "reset-prod", "dev-rpm", "dev-install", "prod-rpm", "prod-install"],
                       "the steps run in the seed's order")
        for host in ["dev2", "prod"] {
            XCTAssertTrue(example.exists(".tbmake/hosts/\(host)/usr/bin/kata"), host)
        }
        XCTAssertTrue(try example.read(".tbmake/hosts/prod/etc/kata.conf").contains("prod"))
        XCTAssertTrue(example.exists("dist/kata-dev-1.0-1.noarch.rpm"))
        XCTAssertTrue(example.exists("dist/kata-prod-1.0-1.noarch.rpm"))

        // Again: the resets always run, and what they wipe is installed again; the
        // sources did not change, so dev-rpm does not.
        let second = try example.tbmake("--json", "autobuild", lock)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.decisions(), [
            "reset-dev2": "run: always", "reset-prod": "run: always",
            "dev-rpm": "skip: up to date",
            "dev-install": "run: dependency reset-dev2 produced new output",
            "prod-rpm": "run: dependency dev-install produced new output",
            "prod-install": "run: dependency reset-prod produced new output",
            "autobuild": "skip: aggregate",
        ])
        XCTAssertTrue(example.exists(".tbmake/hosts/prod/usr/bin/kata"))
    }

    func testASecondAutobuildFailsAtOnceNamingTheHolder() throws {
        try TBMakeBinary.requireRPM()
        let first = try Example("autobuild")
        let other = try Example("autobuild")   // another checkout, same lock file
        let lock = first.project.path + "/shared.lock"
        let running = try first.start(["autobuild", "autobuild_lock=\(lock)"], environment: ["RESET_DELAY": "1"])
        XCTAssertTrue(waitUntil("the first run holds the lock") {
            (try? String(contentsOfFile: lock, encoding: .utf8)) == "\(running.pid)\n"
        })
        let refused = try other.tbmake("autobuild", "autobuild_lock=\(lock)")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderr,
                       "tbmake: the pipeline is already running: \(lock) is locked by process \(running.pid) (Targetfile:26:6)\n")
        XCTAssertFalse(other.exists(".tbmake/hosts/dev2"), "the refused run ran nothing")
        let result = try running.wait()
        XCTAssertEqual(result.status, 0, "\(result)")
        // Once the holder is done, the other checkout runs.
        let after = try other.tbmake("reset-prod", "autobuild_lock=\(lock)")
        XCTAssertEqual(after.status, 0, "\(after)")
    }

    // MARK: bonding (seed 000)

    func testBondingAllocatesOnceAndRunsTheNodeSequencesInOrder() throws {
        let example = try Example("bonding")
        let dry = try example.tbmake("--json", "-n", "bonding-node")
        XCTAssertEqual(dry.decisions(), ["bond-flavour": "run: never ran", "bonding-node": "run: never ran"])
        XCTAssertFalse(example.exists("arg-bonding-2015.04.13--f21"))

        XCTAssertEqual(try example.tbmake("bonding-node").status, 0)
        let state = try example.read("arg-bonding-2015.04.13--f21")
        XCTAssertEqual(state, "hostname=node1-f21.bonding.test\nip=10.0.0.1\nflavour=f21\nallocation=1\n")
        let again = try example.tbmake("--json", "bonding-node")
        XCTAssertEqual(again.decisions(), ["bond-flavour": "skip: up to date", "bonding-node": "skip: up to date"])
        XCTAssertEqual(try example.read(".tbmake/create-node.log").split(separator: "\n").count, 1)

        let boot = try example.tbmake("--json", "boot-node")
        XCTAssertEqual(boot.status, 0, "\(boot)")
        XCTAssertEqual(boot.started(), ["start-node", "ping-node", "ssh-node-debug", "ssh-node-boot"])
        XCTAssertTrue(try example.read(".tbmake/logs/ssh-node-boot.log")
                        .contains("node1-f21.bonding.test: ssh-boot ok, running f21\n"))

        let upgrade = try example.tbmake("--json", "upgrade-node")
        XCTAssertEqual(upgrade.status, 0, "\(upgrade)")
        XCTAssertEqual(upgrade.started(), ["nodedistro-f22", "nodestate-upgrade", "reset-node",
                                           "ping-node", "ssh-node-debug", "ssh-node-boot"])
        XCTAssertTrue(try example.read(".tbmake/logs/ssh-node-boot.log")
                        .contains("node1-f21.bonding.test: ssh-boot ok, running f22\n"))
        XCTAssertEqual(try example.read(".tbmake/hosts/bnode/etc/fcdistro"), "f22\n")

        // Another build to bond with: another flavour, another node.
        let f22 = try example.tbmake("bonding-node", "bonding=2015.04.13--f22")
        XCTAssertEqual(f22.status, 0, "\(f22)")
        XCTAssertTrue(try example.read("arg-bonding-2015.04.13--f22").hasPrefix("hostname=node2-f22.bonding.test\n"))
    }

    // MARK: imaging (seed 003)

    func testImagingRerunsOnlyTheFailedNode() throws {
        let example = try Example("imaging")
        let failed = try example.tbmake("-k", "load-image", environment: ["FAIL_NODES": "fit03"])
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertTrue(failed.stdout.contains("""
            load-image: 1 failed, 3 ok
              fit01  ok
            """), failed.stdout)
        XCTAssertNotNil(failed.stdout.range(of: #"\n  fit03  failed +[0-9.]+s  step [0-9]+: [^\n]+\n"#, options: .regularExpression), failed.stdout)
        for node in ["fit01", "fit02", "fit04"] {
            XCTAssertEqual(try example.read(".tbmake/hosts/\(node)/disk"), "ubuntu 16.04 image (fake ndz)\n", node)
            XCTAssertTrue(try example.read(".tbmake/logs/load-image@\(node).log").contains("\(node): 100%\n"), node)
        }
        XCTAssertFalse(example.exists(".tbmake/hosts/fit03/disk"))
        XCTAssertTrue(try example.read(".tbmake/logs/load-image@fit03.log").contains("fit03: 50%\n"))

        let rerun = try example.tbmake("--json", "load-image")
        XCTAssertEqual(rerun.status, 0, "\(rerun)")
        XCTAssertEqual(rerun.started(), ["load-image@fit03"])
        XCTAssertEqual(rerun.decisions()["load-image@fit01"], "skip: up to date")
        XCTAssertEqual(try example.read(".tbmake/hosts/fit03/disk"), "ubuntu 16.04 image (fake ndz)\n")

        // Another node spec: only the new nodes run; another image: all of them.
        let more = try example.tbmake("--json", "load-image", "NODES=1-6 ~3")
        XCTAssertEqual(Set(more.started()), ["load-image@fit05", "load-image@fit06"])
        XCTAssertNil(more.decisions()["load-image@fit03"])
        let fedora = try example.tbmake("--json", "load-image", "image=fedora")
        XCTAssertEqual(Set(fedora.started()), ["load-image@fit01", "load-image@fit02", "load-image@fit03", "load-image@fit04"])

        // The inventory names each node's pxelinux entry; -a adds ALL_NODES (1-6).
        let links = try example.tbmake("--json", "-a", "pxe-link", "NODES=~4")
        XCTAssertEqual(links.status, 0, "\(links)")
        XCTAssertEqual(Set(links.started()), ["pxe-link@fit01", "pxe-link@fit02", "pxe-link@fit03", "pxe-link@fit05", "pxe-link@fit06"])
        XCTAssertEqual(try example.read("pxelinux.cfg/01-00:03:1d:0e:03:11"), "default ubuntu # fit01 192.168.3.1\n")
        XCTAssertFalse(example.exists("pxelinux.cfg/01-00:03:1d:0e:03:14"), "fit04 was excluded")

        let bad = try example.tbmake("load-image", "NODES=fedora-21")
        XCTAssertEqual(bad.status, 2, "\(bad)")
        XCTAssertEqual(bad.stderr, "tbmake: ../../rules/imaging.tb:26:14: unknown host 'fedora-21' "
                       + "(declare it with 'host fedora-21 = local' or '= ssh ADDRESS')\n", "an image name given as NODES runs nothing")

        let save = try example.tbmake("--json", "save-image", "from=2", "name=mytest")
        XCTAssertEqual(save.status, 0, "\(save)")
        XCTAssertEqual(save.started(), ["save-image@fit02"])
        XCTAssertEqual(try example.read("images/saved/fit02-2026-11-22-mytest.ndz"), "fedora 23 image (fake ndz)\n")
    }

    // MARK: OSCAR V2M test plan (seed 001)

    func testOscarBootsWithoutTheCDOnlyWhenTheDiskChanged() throws {
        let example = try Example("oscar-vm")
        let first = try example.tbmake("--json", "-k", "oscar")
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertEqual(first.started(), ["check-v2m", "head-vm", "wait-head", "node-disk", "fingerprint-before",
                                         "node-vm-cd", "fingerprint", "node-vm", "cleanup"])
        XCTAssertTrue(try example.read(".tbmake/logs/node-vm.log").contains("v2m: node VM booted from disk: installed"))

        // The CD boot times out on DHCP: the disk is unchanged, tbmake does not boot it.
        let timeout = try example.tbmake("--json", "-k", "oscar", environment: ["V2M_DHCP": "timeout"])
        XCTAssertEqual(timeout.status, 0, "\(timeout)")
        XCTAssertEqual(timeout.decisions()["fingerprint"], "run: always")
        XCTAssertEqual(timeout.decisions()["node-vm"], "skip: up to date")
        XCTAssertEqual(try example.read("hdd-fingerprint"), try example.read("hdd-fingerprint-before"))

        // Two crashed boots, then an install: the disk changed, tbmake boots it.
        let installed = try example.tbmake("--json", "-k", "oscar", environment: ["V2M_CRASHES": "2"])
        XCTAssertEqual(installed.status, 0, "\(installed)")
        XCTAssertEqual(installed.decisions()["node-vm"], "run: dependency fingerprint produced new output")
        XCTAssertNotEqual(try example.read("hdd-fingerprint"), try example.read("hdd-fingerprint-before"))
        XCTAssertTrue(try example.read(".tbmake/logs/node-vm-cd.log").contains("attempt 3 of 4"))

        // More crashes than MAX_REBOOT: node-vm-cd fails, node-vm is not run, cleanup still runs.
        let given = try example.tbmake("--json", "-k", "oscar", environment: ["V2M_CRASHES": "9"])
        XCTAssertEqual(given.status, 1, "\(given)")
        XCTAssertEqual(given.finished()["node-vm-cd"], "failed")
        XCTAssertEqual(given.finished()["cleanup"], "ok")
        XCTAssertNil(given.finished()["node-vm"])
        XCTAssertFalse(example.exists(".tbmake/hosts/hostos/running/head"), "cleanup powered the VMs off")
    }
}

/// A copy of examples/NAME at examples/NAME inside a demo project (rules/, demo/),
/// so that its includes (../../rules/...) and links (demo/kata) resolve as in the repository.
private struct Example {
    let project: Project
    let directory: String

    init(_ name: String) throws {
        project = try Project.demo()
        try FileManager.default.createDirectory(atPath: project.path + "/examples", withIntermediateDirectories: true)
        directory = project.path + "/examples/" + name
        try FileManager.default.copyItem(atPath: TBMakeBinary.repositoryRoot + "/examples/" + name, toPath: directory)
        for generated in [".tbmake", "cache", "dist", "images/saved"] {
            try? FileManager.default.removeItem(atPath: directory + "/" + generated)
        }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where file.hasPrefix("arg-") || file.hasPrefix("hdd-fingerprint") {
            try FileManager.default.removeItem(atPath: directory + "/" + file)
        }
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: directory + "/" + relative) }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relative)), as: UTF8.self)
    }

    /// `env NAME=VALUE... tbmake -C <example> arguments...`
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningTBMake {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try RunningTBMake(binary: "/usr/bin/env",
                                 arguments: assignments + [try TBMakeBinary.path(), "-C", directory] + arguments)
    }

    @discardableResult
    func tbmake(_ arguments: String..., environment: [String: String] = [:]) throws -> RunResult {
        try start(arguments, environment: environment).wait()
    }
}
