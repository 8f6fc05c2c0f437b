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

/// The thread that decides never waits: a `wait` runs beside the rest of the run and
/// holds no `-j` slot.
final class WaitingHoldsNoSlotTests: XCTestCase {
    func testAnotherTargetRunsWhileOneWaitsForItsHost() throws {
        let bed = Testbed("""
            host node = local
            all: a b
            a:
                host node
                wait 30s
                run a
            b:
                run b
            """)
        let node = bed.executor("node")
        node.prepareError = ExecutorError.unavailable(host: "node", reason: "Connection refused")
        let firstAttempt = DispatchSemaphore(value: 0)
        let clock = VirtualClock()
        clock.onSleep = { count in if count == 1 { firstAttempt.signal() } }
        bed.script = { context in
            if context.command == "b" {
                // b starts only once a is waiting, and brings a's host back.
                guard firstAttempt.wait(timeout: .now() + 10) == .success else { return 99 }
                node.prepareError = nil
            }
            return 0
        }
        let (summary, observer) = try bed.build("all", options: .with { $0.jobs = 1; $0.clock = clock; $0.waitBackoff = 0.5 })
        XCTAssertEqual(summary, .counts(ran: 2, skipped: 1))
        XCTAssertEqual(observer.waits.first, "a: waiting for host node (attempt 1): host node unavailable: Connection refused")
        XCTAssertEqual(observer.statuses["a"], .ok)
        XCTAssertLessThan(clock.elapsed, 30, "a's wait ended when b brought its host back")
    }

    /// Three instances wait for hosts that answer at their third attempt: their first
    /// pauses meet in a barrier, which only waits on three threads can reach.
    func testWaitsOfAFanOutRunSideBySide() throws {
        let bed = Testbed("""
            host fit* = local
            load:
                foreach node in 1-3
                host    $(node)
                wait    60s
                run     load $(node)
            """)
        let clock = VirtualClock()
        let meeting = Barrier(count: 3)
        let met = NSLock()
        nonisolated(unsafe) var allMet = true
        clock.onSleep = { count in
            guard count <= 3 else { return }
            let arrived = meeting.arrive()
            met.withLock { allMet = allMet && arrived }
        }
        for name in ["fit01", "fit02", "fit03"] {
            bed.executor(name).prepareError = ExecutorError.unavailable(host: name, reason: "rebooting")
            bed.executor(name).answersFromPrepareCall = 3
        }
        let (summary, observer) = try bed.buildOnAnyHost(["load"], options: .with { $0.jobs = 1; $0.clock = clock; $0.waitBackoff = 1 })
        XCTAssertEqual(summary, .counts(ran: 3, skipped: 1))
        XCTAssertEqual(observer.waits.count, 6, "two refusals per node")
        XCTAssertTrue(met.withLock { allMet }, "the three waits were under way at once")
        XCTAssertEqual(observer.startedTargets.sorted(), ["load@fit01", "load@fit02", "load@fit03"])
    }
}

/// A run stopped by a failure does not wait for the `wait` of a target that will not run.
final class StoppedRunWaitTests: XCTestCase {
    /// Sleeps block until `open()`, or 2 s at most (then it counts a sleep that ran out).
    private final class GateClock: BuildClock, @unchecked Sendable {
        private let gate = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var time = 0.0
        private var ranOut = 0

        func now() -> Double { lock.withLock { time } }

        func sleep(_ seconds: Double) {
            if gate.wait(timeout: .now() + 2) == .timedOut { lock.withLock { ranOut += 1 } } else { gate.signal() }
            lock.withLock { time += seconds }
        }

        func open() { gate.signal() }
        var sleepsThatRanOut: Int { lock.withLock { ranOut } }
    }

    func testAFailureEndsTheRunWhileAnotherTargetWaitsForItsHost() throws {
        let bed = Testbed("""
            host node = local
            all: a bad
            a:
                host node
                wait 30s
                run a
            bad:
                run fail
            """)
        bed.executor("node").prepareError = ExecutorError.unavailable(host: "node", reason: "No route to host")
        let clock = GateClock()
        let (summary, observer) = try bed.build("all", options: .with { $0.clock = clock; $0.jobs = 1 })
        clock.open()
        XCTAssertEqual(observer.result("bad")?.status, .failed)
        XCTAssertEqual(observer.decisionsByTarget["a"], Decision(.skip, .runStopped))
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(clock.sleepsThatRanOut, 0, "the run ended while a's wait still slept")
        XCTAssertEqual(bed.executor("node").commands, [])
    }
}
