import Foundation
import XCTest

/// The live per-node view on a terminal, read from the screen of a tmux pane: counts per
/// status, one line per instance under way (node, phase, last progress figure, elapsed),
/// and nothing of it left once the run ends.
final class LiveViewTests: XCTestCase {
    /// A tmux server of its own, on a socket in the project; killed at the end.
    private final class Pane {
        let tmux: String
        let socket: String

        init(_ project: Project, command: String) throws {
            guard let tmux = TBMakeBinary.which("tmux") else {
                throw EndToEndError("tmux not found in PATH: install the Debian package 'tmux' (./scripts/setup --packages)")
            }
            self.tmux = tmux
            socket = project.path + "/tmux.sock"
            // The server tmux starts must keep none of our descriptors open (Foundation's
            // Process watches one to see its child end): close all but 0-2 first.
            let started = try RunningTBMake(binary: "/bin/bash", arguments: ["-c", """
                for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
                '\(tmux)' -S '\(socket)' new-session -d -x 100 -y 20 'env -u NO_COLOR TERM=xterm \(command); sleep 60' \
                    </dev/null >/dev/null 2>&1
                """]).wait()
            XCTAssertEqual(started.status, 0, "\(started)")
        }

        deinit {
            _ = try? RunningTBMake(binary: "/bin/sh", arguments: ["-c", "'\(tmux)' -S '\(socket)' kill-server </dev/null >/dev/null 2>&1"]).wait()
        }

        /// The screen's lines, trailing blanks dropped, elapsed times as `Ns`.
        func screen() throws -> [String] {
            let text = try RunningTBMake(binary: tmux, arguments: ["-S", socket, "capture-pane", "-p"]).wait().stdout
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                String(line).replacingOccurrences(of: #"[0-9]+\.[0-9]s"#, with: "Ns", options: .regularExpression)
                    .replacingOccurrences(of: #" +$"#, with: "", options: .regularExpression)
            }
            while lines.last == "" { lines.removeLast() }
            return lines
        }

        /// Waits (at most 20 s) until `condition` holds of the screen, and returns it.
        func await(_ what: String, _ condition: ([String]) -> Bool) throws -> [String] {
            let deadline = Date().addingTimeInterval(20)
            var lines: [String] = []
            while Date() < deadline {
                lines = try screen()
                if condition(lines) { return lines }
                usleep(100_000)
            }
            XCTFail("gave up waiting until \(what); screen:\n\(lines.joined(separator: "\n"))")
            return lines
        }
    }

    func testAFanOutShowsOneLinePerNodeThenCleansUp() throws {
        let project = try Project(targetfile: "")
        // Three nodes print their progress and wait for `go`; two wait for a slot.
        try project.write("Targetfile", """
            host fit* = local
            load:
                foreach node in fit01 fit02 fit03 fit04 fit05
                host $(node)
                parallel 3
                run echo 10%; echo 3/5 blocks; while [ ! -e \(project.path)/go ]; do sleep 0.05; done; [ $(node) != fit05 ] || exit 4

            """)
        let pane = try Pane(project, command: "\(try TBMakeBinary.path()) -C \(project.path) -k load")
        let live = try pane.await("three nodes run and two wait") { lines in
            lines.filter { $0.hasSuffix("3/5      Ns") }.count == 3 && lines.filter { $0.contains("queued") }.count == 2
        }
        XCTAssertEqual(live.count, 7, live.joined(separator: "\n"))
        XCTAssertNotNil(live.first?.range(of: #"^\[0/5, 3 running, Ns\] load@fit0[1-5]$"#, options: .regularExpression), live[0])
        XCTAssertEqual(live[1], "  load: 3 running, 2 waiting")
        let rows = live.dropFirst(2).sorted()
        XCTAssertEqual(rows.map { String($0.prefix(7)) }, ["  fit01", "  fit02", "  fit03", "  fit04", "  fit05"])
        XCTAssertEqual(rows.map { String($0.dropFirst(7)) }.sorted(), [
            "  queued                 Ns", "  queued                 Ns",
            "  step 1/1      3/5      Ns", "  step 1/1      3/5      Ns", "  step 1/1      3/5      Ns",
        ])

        try project.write("go", "")
        let end = try pane.await("the run ends") { $0.contains { $0.hasPrefix("tbmake: ran 4") } }
        // The live view is gone: what stays is the failure, the table and the summary.
        let table = end.filter { $0.hasPrefix("  fit") }
        XCTAssertEqual(table.prefix(4), ["  fit01  ok       Ns", "  fit02  ok       Ns", "  fit03  ok       Ns", "  fit04  ok       Ns"],
                       end.joined(separator: "\n"))
        XCTAssertTrue(table.last?.hasPrefix("  fit05  failed   Ns  step 1: command exited with status 4: echo 10%;") == true,
                      end.joined(separator: "\n"))
        XCTAssertFalse(end.contains { $0.contains("running, ") || $0.contains("queued") }, end.joined(separator: "\n"))
        XCTAssertEqual(end.last, "tbmake: ran 4, up to date 0, failed 1, not run 1 in Ns")
    }
}
