import Foundation
import XCTest

/// `--trace FILE`: a Chrome Trace Event file with one named track per node or host and
/// nested slices for connecting, each recipe step, transfers, stores and restores.
final class TraceFileTests: XCTestCase {
    private let targetfile = """
        host fit* = local
        all: load pkg.txt

        load:
            foreach node in fit01 fit02
            host $(node)
            parallel 2
            run echo 10%; sleep 0.2; echo 100%
            put Targetfile -> $(root)/tf
            run [ $(node) != fit02 ] || exit 3

        pkg.txt:
            out pkg.txt
            run echo hi > pkg.txt

        """

    /// One slice as the test compares it: its track's name, its name, the name of the
    /// slice it nests in on that track ("-" at the top), and its status.
    private struct Slice: Hashable, CustomStringConvertible {
        var track: String
        var name: String
        var parent: String
        var status: String
        var description: String { "\(track) | \(name) < \(parent) [\(status)]" }
    }

    /// Reads the file, checks every event's fields and that slices on one track nest.
    private func slices(_ project: Project, _ file: String,
                        line: UInt = #line) throws -> (slices: Set<Slice>, args: [String: [String: Any]]) {
        let data = try Data(contentsOf: project.url(file))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try XCTUnwrap(root["traceEvents"] as? [[String: Any]])
        var names: [Int: String] = [:]
        var complete: [[String: Any]] = []
        for event in events {
            let ph = try XCTUnwrap(event["ph"] as? String, "\(event)", line: line)
            XCTAssertEqual(event["pid"] as? Int, 1, "\(event)", line: line)
            let tid = try XCTUnwrap(event["tid"] as? Int, "\(event)", line: line)
            XCTAssertNotNil(event["name"] as? String, "\(event)", line: line)
            XCTAssertNotNil(event["args"] as? [String: Any], "\(event)", line: line)
            if ph == "M", event["name"] as? String == "thread_name" {
                names[tid] = (event["args"] as? [String: Any])?["name"] as? String
            } else if ph == "X" {
                XCTAssertNotNil(event["ts"] as? Int, "\(event)", line: line)
                XCTAssertGreaterThanOrEqual(event["dur"] as? Int ?? -1, 0, "\(event)", line: line)
                complete.append(event)
            } else {
                XCTAssertEqual(ph, "M", "\(event)", line: line)
            }
        }
        var result: Set<Slice> = []
        var args: [String: [String: Any]] = [:]
        for event in complete {
            let tid = event["tid"] as! Int, ts = event["ts"] as! Int, end = ts + (event["dur"] as! Int)
            let track = try XCTUnwrap(names[tid], "track \(tid) has no thread_name", line: line)
            // Slices of one track nest: any two are disjoint or one holds the other.
            let around = complete.filter { other in
                guard other["tid"] as! Int == tid, other["name"] as! String != event["name"] as! String else { return false }
                let os = other["ts"] as! Int, oe = os + (other["dur"] as! Int)
                XCTAssertTrue(oe <= ts || end <= os || (os <= ts && end <= oe) || (ts <= os && oe <= end),
                              "\(event) overlaps \(other)", line: line)
                return os <= ts && end <= oe
            }
            let eventArgs = event["args"] as! [String: Any]
            let name = (event["name"] as! String).replacingOccurrences(of: project.path, with: "P")
            result.insert(Slice(track: track, name: name, parent: around.first?["name"] as? String ?? "-",
                                status: eventArgs["status"] as? String ?? "?"))
            args[name] = eventArgs
        }
        return (result, args)
    }

    func testSlicesTracksAndNesting() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("-k", "--trace", "run.trace", "all")
        XCTAssertEqual(first.status, 1, "\(first)")
        let (run, args) = try slices(project, "run.trace")
        XCTAssertEqual(run.map(\.description).sorted(), [
            Slice(track: "fit01", name: "connecting to fit01", parent: "-", status: "ok"),
            Slice(track: "fit01", name: "load@fit01", parent: "-", status: "ok"),
            Slice(track: "fit01", name: "echo 10%; sleep 0.2; echo 100%", parent: "load@fit01", status: "ok"),
            Slice(track: "fit01", name: "put Targetfile -> P/.tbmake/hosts/fit01/tf", parent: "load@fit01", status: "ok"),
            Slice(track: "fit01", name: "[ fit01 != fit02 ] || exit 3", parent: "load@fit01", status: "ok"),
            Slice(track: "fit02", name: "connecting to fit02", parent: "-", status: "ok"),
            Slice(track: "fit02", name: "load@fit02", parent: "-", status: "failed"),
            Slice(track: "fit02", name: "echo 10%; sleep 0.2; echo 100%", parent: "load@fit02", status: "ok"),
            Slice(track: "fit02", name: "put Targetfile -> P/.tbmake/hosts/fit02/tf", parent: "load@fit02", status: "ok"),
            Slice(track: "fit02", name: "[ fit02 != fit02 ] || exit 3", parent: "load@fit02", status: "failed"),
            Slice(track: "local", name: "pkg.txt", parent: "-", status: "ok"),
            Slice(track: "local", name: "echo hi > pkg.txt", parent: "pkg.txt", status: "ok"),
            Slice(track: "local", name: "store", parent: "pkg.txt", status: "ok"),
        ].map(\.description).sorted())
        let targetfileSize = try project.read("Targetfile").utf8.count
        XCTAssertEqual(args["put Targetfile -> P/.tbmake/hosts/fit01/tf"]?["bytes"] as? Int, targetfileSize)
        XCTAssertEqual(args["store"]?["bytes"] as? Int, 3)
        XCTAssertEqual(args["load@fit02"]?["kind"] as? String, "exit_status")
        XCTAssertEqual(args["load@fit02"]?["error"] as? String, "command exited with status 3: [ fit02 != fit02 ] || exit 3")
        XCTAssertEqual(args["[ fit02 != fit02 ] || exit 3"]?["step"] as? String, "3/3")
        XCTAssertEqual(args["load@fit01"]?["reason"] as? String, "never ran")

        // The output deleted: restored from the cache, a slice of its own.
        try FileManager.default.removeItem(at: project.url("pkg.txt"))
        let second = try project.tbmake("--trace", "second.trace", "pkg.txt")
        XCTAssertEqual(second.status, 0, "\(second)")
        let (restored, restoredArgs) = try slices(project, "second.trace")
        XCTAssertEqual(restored, [Slice(track: "local", name: "restore", parent: "-", status: "ok")])
        XCTAssertEqual(restoredArgs["restore"]?["bytes"] as? Int, 3)
    }

    func testTwoRecipesAtOnceOnOneHostGetTwoNamedTracks() throws {
        let project = try Project(targetfile: """
            all: a b
            a:
                run sleep 0.3
            b:
                run sleep 0.3

            """)
        let result = try project.tbmake("-j", "2", "--trace", "t.json", "all")
        XCTAssertEqual(result.status, 0, "\(result)")
        let (run, _) = try slices(project, "t.json")
        XCTAssertEqual(Set(run.filter { $0.parent == "-" }.map(\.track)), ["local", "local (2)"])
    }
}
