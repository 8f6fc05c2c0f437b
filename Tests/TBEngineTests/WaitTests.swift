import TBEngine
import TBStore
import TBTestSupport
import XCTest

/// `wait DURATION`: a target waits for its host to answer before it is decided (a node
/// that reboots), with one progress line per attempt, and fails clearly when time is up.
final class WaitTests: XCTestCase {
    private func project() -> Testbed {
        Testbed("""
            host node = local
            ssh-node:
                host node
                wait 30s
                run true ssh
            """)
    }

    private let fast = BuildOptions.with { $0.waitBackoff = 0.001 }

    func testWaitsUntilTheHostAnswers() throws {
        let bed = project()
        bed.executor("node").prepareError = ExecutorError.unavailable(host: "node", reason: "Connection refused")
        bed.executor("node").answersFromPrepareCall = 3
        let (summary, observer) = try bed.build("ssh-node", options: fast)
        XCTAssertEqual(summary, .counts(ran: 1))
        XCTAssertEqual(observer.waits, [
            "ssh-node: waiting for host node (attempt 1): host node unavailable: Connection refused",
            "ssh-node: waiting for host node (attempt 2): host node unavailable: Connection refused",
        ])
        XCTAssertEqual(bed.executor("node").commands, ["true ssh"])
        // Two refusals and the answer; the identity that follows does not prepare again.
        XCTAssertEqual(bed.executor("node").prepareCount, 3)
    }

    func testGivesUpWhenTimeIsUp() throws {
        let bed = Testbed("""
            host node = local
            ssh-node:
                host node
                wait 50ms
                run true ssh
            """)
        bed.executor("node").prepareError = ExecutorError.unavailable(host: "node", reason: "No route to host")
        let (summary, observer) = try bed.build("ssh-node", options: fast)
        XCTAssertEqual(summary, .counts(failed: 1))
        XCTAssertEqual(observer.result("ssh-node")?.failure,
                       "host node did not answer within 0.1s: host node unavailable: No route to host")
        XCTAssertEqual(bed.executor("node").commands, [])
        // How many attempts fit in 50 ms depends on the machine; the first is certain.
        XCTAssertEqual(observer.waits.first, "ssh-node: waiting for host node (attempt 1): host node unavailable: No route to host")
    }

    func testADryRunDoesNotWait() throws {
        let bed = project()
        let (summary, observer) = try bed.build("ssh-node", options: .with { $0.dryRun = true })
        XCTAssertEqual(summary, .counts(wouldRun: 1))
        XCTAssertEqual(observer.waits, [])
        XCTAssertEqual(bed.executor("node").prepareCount, 0)
    }
}
