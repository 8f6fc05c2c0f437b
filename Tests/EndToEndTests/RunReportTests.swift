import Foundation
import XCTest

/// `.tbmake/report.html` after every real run, `tbmake report [RUN]`, and the records
/// under `.tbmake/runs/`, checked in headless Chromium: the page's script runs without
/// an error and its DOM holds the expected rows and statuses.
final class RunReportTests: XCTestCase {
    private let targetfile = """
        host fit* = local
        all: load summary.txt

        load:
            foreach node in fit01 fit02 fit03
            host $(node)
            parallel 3
            run echo 50%; echo 100% on $(node)
            run [ $(node) != fit02 ] || { echo no disk on $(node); exit 4; }

        summary.txt:
            out summary.txt
            run echo "<b>&amp;" > $(out)

        """

    /// The page as Chromium sees it after its script ran, and Chromium's log.
    private func render(_ project: Project) throws -> (dom: String, log: String) {
        guard let chromium = TBMakeBinary.which("chromium") else {
            throw EndToEndError("chromium not found in PATH: install the Debian package 'chromium' (./scripts/setup --packages)")
        }
        let profile = project.path + "/chromium-profile"
        let result = try RunningTBMake(binary: chromium, arguments: [
            "--headless", "--disable-gpu", "--no-sandbox", "--user-data-dir=\(profile)", "--enable-logging=stderr",
            "--v=0", "--dump-dom", "file://\(project.path)/.tbmake/report.html",
        ]).wait()
        XCTAssertEqual(result.status, 0, "\(result.stderr)")
        return (result.stdout, result.stderr)
    }

    /// `data-NAME="value"` pairs of the elements of a kind, in order.
    private func rows(_ dom: String, _ pattern: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)).map { match in
            (1..<match.numberOfRanges).map { String(dom[Range(match.range(at: $0), in: dom)!]) }.joined(separator: " ")
        }
    }

    func testEveryRunWritesAReportChromiumRendersWithoutErrors() throws {
        let project = try Project(targetfile: targetfile)
        let first = try project.tbmake("-k", "all")
        XCTAssertEqual(first.status, 1, "\(first)")
        let second = try project.tbmake("-k", "all")
        XCTAssertEqual(second.status, 1, "\(second)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project.path + "/.tbmake/runs").sorted(),
                       ["1.json", "2.json"])
        let html = try project.read(".tbmake/report.html")
        for remote in ["http:", "https:", "src=", "href=", "@import", "url("] {
            XCTAssertFalse(html.contains(remote), "the report must fetch nothing: \(remote)")
        }

        let (dom, log) = try render(project)
        XCTAssertTrue(dom.contains(#"<div id="report-ready" hidden="""#), "the page's script did not finish:\n\(log)")
        XCTAssertFalse(log.contains("Uncaught"), log)
        XCTAssertFalse(log.contains(":CONSOLE("), log)
        XCTAssertTrue(dom.contains("<title>tbmake run 2</title>"))
        XCTAssertEqual(rows(dom, #"<li class="s-[a-z-]+" data-count="([a-z ]+)">(\d+) "#), [
            "ran 0", "restored 0", "up to date 3", "failed 1", "not run 2",
        ])
        XCTAssertEqual(rows(dom, #"<tr data-target="([^"]+)" data-status="([^"]+)">"#), [
            "load@fit01 up to date", "load@fit02 failed", "load@fit03 up to date", "load not run",
            "summary.txt up to date", "all not run",
        ])
        XCTAssertEqual(rows(dom, #"<tr data-node="([^"]+)"><th>[^<]+</th><td class="s-[a-z-]+" data-status="([^"]+)""#), [
            "fit01 up to date", "fit02 failed", "fit03 up to date",
        ])
        // Nodes are reached again (connecting); summary.txt, up to date, has no bar.
        XCTAssertEqual(rows(dom, #"<div class="track" data-track="([^"]+)">"#), ["fit01", "fit02", "fit03"])
        XCTAssertEqual(rows(dom, #"<th data-run="(\d+)">"#), ["1", "2"])
        XCTAssertTrue(dom.contains("no disk on fit02"), "the failed target's log tail")
        XCTAssertTrue(dom.contains("never ran; command exited with status 4"), dom)
        XCTAssertEqual(rows(dom, #"<ol id="critical-path">(.*?)</ol>"#).count, 1)

        // Run 1's report again, from its record: three nodes ran, the summary too.
        let again = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["report", "1"],
                                      directory: project.path).wait()
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.stdout, ".tbmake/report.html\n")
        let (firstDom, firstLog) = try render(project)
        XCTAssertFalse(firstLog.contains("Uncaught"), firstLog)
        XCTAssertTrue(firstDom.contains("<title>tbmake run 1</title>"))
        XCTAssertEqual(rows(firstDom, #"<tr data-target="([^"]+)" data-status="([^"]+)">"#), [
            "load@fit01 ok", "load@fit02 failed", "load@fit03 ok", "load not run", "summary.txt ok", "all not run",
        ])
        XCTAssertEqual(rows(firstDom, #"<div class="track" data-track="([^"]+)">"#), ["fit01", "fit02", "fit03", "local"])
        XCTAssertEqual(rows(firstDom, #"<th data-run="(\d+)">"#), ["1"])
        XCTAssertTrue(firstDom.contains("&lt;b&gt;&amp;amp;"), "names and output are escaped")
        XCTAssertEqual(rows(firstDom, #"<ol id="critical-path"><li data-target="([^"]+)">"#).count, 1)

        let missing = try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["report", "7"],
                                        directory: project.path).wait()
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "tbmake: no record of run 7 in .tbmake/runs (kept: 1-2)\n")
    }

    func testOnlyTheLastTwentyRunsAreKeptAndDryRunsAndNoOpsKeepNone() throws {
        let project = try Project(targetfile: "a:\n    always\n    run true\nb:\n    run true\n")
        for _ in 1...22 { XCTAssertEqual(try project.tbmake("a").status, 0) }
        XCTAssertEqual(try project.tbmake("-n", "a").status, 0)
        XCTAssertEqual(try project.tbmake("b").status, 0)
        XCTAssertEqual(try project.tbmake("b").stdout, "tbmake: nothing to do, everything is up to date\n")
        let kept = try FileManager.default.contentsOfDirectory(atPath: project.path + "/.tbmake/runs")
            .compactMap { Int($0.dropLast(5)) }.sorted()
        XCTAssertEqual(kept, Array(4...23), "b's first run is run 23; its second, with nothing to do, is not kept")
        XCTAssertTrue(try project.read(".tbmake/report.html").contains("<title>tbmake run 23</title>"))
    }
}
