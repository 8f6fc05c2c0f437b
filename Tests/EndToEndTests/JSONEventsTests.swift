import Foundation
import XCTest

/// `--json`: one JSON object per line, ending with the summary.
final class JSONEventsTests: XCTestCase {
    private func checkStream(_ result: RunResult, dryRun: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last, "", "output ends with a newline", file: file, line: line)
        var objects: [[String: Any]] = []
        for text in lines.dropLast() {
            guard let data = text.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                XCTFail("line is not a JSON object: \(text)", file: file, line: line)
                continue
            }
            XCTAssertNotNil(object["event"] as? String, "\(text)", file: file, line: line)
            objects.append(object)
        }
        guard let last = objects.last else { return XCTFail("no events: \(result)", file: file, line: line) }
        XCTAssertEqual(last["event"] as? String, "summary", file: file, line: line)
        XCTAssertTrue(String(lines[lines.count - 2]).hasPrefix(#"{"event":"summary","#), file: file, line: line)
        for key in ["ran", "restored", "skipped", "failed"] {
            XCTAssertNotNil(last[key] as? Int, "summary lacks integer \(key): \(last)", file: file, line: line)
        }
        XCTAssertEqual(objects.filter { $0["event"] as? String == "summary" }.count, 1, file: file, line: line)
        for event in objects where event["event"] as? String == "decision" {
            XCTAssertNotNil(event["target"] as? String, file: file, line: line)
            XCTAssertTrue(["run", "skip", "restore"].contains(event["decision"] as? String ?? ""), "\(event)", file: file, line: line)
            XCTAssertNotNil(event["reason"] as? String, file: file, line: line)
        }
    }

    func testEveryLineIsJSONAndTheLastIsTheSummary() throws {
        let demo = try Project.demo()
        let dry = try demo.tbmake("--json", "-n", "node-info")
        XCTAssertEqual(dry.status, 0, "\(dry)")
        checkStream(dry, dryRun: true)

        let real = try demo.tbmake("--json", "node-info")
        XCTAssertEqual(real.status, 0, "\(real)")
        checkStream(real, dryRun: false)
        let summary = try XCTUnwrap(real.summary())
        XCTAssertEqual(summary["ran"] as? Int, 3)
        XCTAssertEqual(summary["restored"] as? Int, 0)
        XCTAssertEqual(summary["skipped"] as? Int, 0)
        XCTAssertEqual(summary["failed"] as? Int, 0)

        let again = try demo.tbmake("--json", "node-info")
        checkStream(again, dryRun: false)
        XCTAssertEqual(again.summary()?["ran"] as? Int, 0)
        XCTAssertEqual(again.summary()?["skipped"] as? Int, 3)
    }

    func testFailureEventsAreJSONToo() throws {
        let project = try Project(targetfile: """
            bad:
                run sh -c 'echo "quote \\" and tab\t"; exit 3'

            """)
        let result = try project.tbmake("--json", "bad")
        XCTAssertEqual(result.status, 1, "\(result)")
        checkStream(result, dryRun: false)
        let finished = result.events().first { $0["event"] as? String == "finished" }
        XCTAssertEqual(finished?["status"] as? String, "failed")
        XCTAssertTrue((finished?["error"] as? String ?? "").contains("status 3"), "\(result)")
        XCTAssertEqual(result.summary()?["failed"] as? Int, 1)
    }

    // MARK: - The documented schema (docs/events.md, docs/events.schema.json)

    /// Checks `event` against docs/events.schema.json: exactly the keys it lists (every
    /// event's, a target event's, its required ones, some optional ones), each of its
    /// type. Returns the problems.
    private func problems(_ event: [String: Any], line: String, schema: [String: Any]) -> [String] {
        guard let name = event["event"] as? String,
              let spec = (schema["events"] as? [String: [String: Any]])?[name] else {
            return ["unknown event: \(event)"]
        }
        var required = schema["every_event"] as! [String: String]
        if spec["target"] as! Bool { required.merge(schema["target_event"] as! [String: String]) { $1 } }
        required.merge(spec["required"] as! [String: String]) { $1 }
        let optional = spec["optional"] as! [String: String]
        let enums = schema["enums"] as! [String: [String]]
        var found: [String] = []
        for key in required.keys where event[key] == nil { found.append("\(name) lacks \(key)") }
        for (key, value) in event {
            guard let type = required[key] ?? optional[key] else {
                found.append("\(name) has undocumented key \(key)")
                continue
            }
            let ok: Bool
            switch type {
            case "string": ok = value is String
            case "string|null": ok = value is String || value is NSNull
            // Numbers and booleans look alike once parsed: read the line's own text.
            case "integer": ok = line.range(of: "[{,]\"\(key)\":-?[0-9]+[,}]", options: .regularExpression) != nil
            case "boolean": ok = line.range(of: "[{,]\"\(key)\":(true|false)[,}]", options: .regularExpression) != nil
            case "time":
                ok = (value as? String).map { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil } ?? false
            default:
                guard type.hasPrefix("enum:"), let allowed = enums[String(type.dropFirst(5))] else {
                    found.append("schema: unknown type \(type)")
                    continue
                }
                ok = (value as? String).map(allowed.contains) ?? false
            }
            if !ok { found.append("\(name).\(key) is not \(type): \(value)") }
        }
        return found
    }

    func testEveryEventOfARepresentativeRunMatchesTheDocumentedSchema() throws {
        let schemaData = try Data(contentsOf: URL(fileURLWithPath: TBMakeBinary.repositoryRoot + "/docs/events.schema.json"))
        let schema = try XCTUnwrap(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        XCTAssertEqual(schema["schema"] as? Int, 1)
        let project = try Project(targetfile: """
            host down = ssh root@127.0.0.1:1
            all: gen.txt reboot bad after-bad away sig

            gen.txt:
                out gen.txt
                run echo made > gen.txt

            reboot:
                host down
                wait 0.3s
                run true

            away:
                host down
                run true

            bad:
                run echo oops; exit 3

            sig:
                run kill -9 $$$$

            after-bad: bad
                run true

            """)
        try project.write("cache", "not a directory\n")   // a warning
        let dry = try project.tbmake("--json", "-n", "all")
        let real = try project.tbmake("--json", "-k", "all")
        XCTAssertEqual(real.status, 1, "\(real)")
        for run in [dry, real] {
            let events = run.events()
            XCTAssertEqual(events.first?["event"] as? String, "start", "\(run)")
            XCTAssertEqual(events.last?["event"] as? String, "summary", "\(run)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, events.count)
            for (event, line) in zip(events, lines) {
                XCTAssertEqual(problems(event, line: line, schema: schema), [], line)
            }
        }
        let events = real.events()
        XCTAssertEqual(Set(events.compactMap { $0["event"] as? String }),
                       ["start", "decision", "started", "waiting", "finished", "warning", "summary"])
        // A dry run reaches hosts too: `away`'s fails.
        XCTAssertEqual(Set(dry.events().compactMap { $0["event"] as? String }), ["start", "decision", "finished", "summary"])
        let kinds = Dictionary(uniqueKeysWithValues: events.filter { $0["event"] as? String == "finished" }
            .map { ($0["target"] as! String, $0["kind"] as? String ?? "-") })
        XCTAssertEqual(kinds, ["gen.txt": "-", "bad": "exit_status", "sig": "signal", "reboot": "timeout",
                               "away": "host_unavailable"])
        let start = try XCTUnwrap(events.first)
        XCTAssertEqual(start["schema"] as? Int, 1)
        XCTAssertEqual(start["dry_run"] as? Bool, false)
        XCTAssertEqual(start["targets"] as? Int, 7)
        XCTAssertEqual(real.summary()?["would_run"] as? Int, 0)
        XCTAssertEqual(dry.summary()?["would_run"] as? Int, 4)
        XCTAssertEqual(dry.summary()?["dry_run"] as? Bool, true)
    }

    func testInstancesNameTheirBaseNodeAndHostApart() throws {
        let project = try Project(targetfile: """
            host fit* = local
            load:
                foreach node in fit01 fit02
                host $(node)
                run true

            """)
        let result = try project.tbmake("--json", "load")
        XCTAssertEqual(result.status, 0, "\(result)")
        let started = result.events().filter { $0["event"] as? String == "started" }
            .map { "\($0["target"]!) \($0["base"]!) \($0["node"]!) \($0["host"]!)" }.sorted()
        XCTAssertEqual(started, ["load@fit01 load fit01 fit01", "load@fit02 load fit02 fit02"])
        let aggregate = try XCTUnwrap(result.events().first { $0["event"] as? String == "decision" && $0["target"] as? String == "load" })
        XCTAssertTrue(aggregate["node"] is NSNull, "\(aggregate)")
    }
}
