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
}
