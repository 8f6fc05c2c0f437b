import FoundationEssentials
import TBEngine
import TBStore

/// Watches a real run and keeps what its `RunRecord` needs: each target's identity,
/// decision, status, times, phases and the tail of its output.
final class RunRecorder: BuildObserver {
    private var origin = ContinuousClock.now
    private let wallStart = Date()
    private var order: [String] = []
    private var targets: [String: RunRecord.Target] = [:]
    /// The last bytes of each target's output.
    private var output: [String: [UInt8]] = [:]
    private var openPhases: [String: (RunPhase, Int64)] = [:]
    private var summary = BuildSummary()
    private static let tailBytes = 4096

    func buildStarted(_ plan: BuildPlan) {
        origin = plan.startedAt
        for identity in plan.targets {
            order.append(identity.name)
            targets[identity.name] = RunRecord.Target(
                name: identity.name, base: identity.base, node: identity.node, host: identity.host,
                decision: "skip", reason: "", status: "not run", dependencies: identity.dependencies)
        }
    }

    func decided(_ target: String, _ decision: Decision) {
        targets[target]?.decision = decision.action.rawValue
        targets[target]?.reason = "\(decision.reason)"
        switch decision.action {
        case .restore: targets[target]?.status = "restored"
        case .skip:
            let blocked = decision.reason.isBlockedByDependency || decision.reason == .runStopped
            targets[target]?.status = blocked ? "not run" : "up to date"
        case .run: break
        }
    }

    func started(_ target: String, started: Int, total: Int) {
        targets[target]?.startMs = millis(.now)
    }

    func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {
        openPhases[target] = (phase, millis(at))
    }

    func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {
        guard let (begun, start) = openPhases.removeValue(forKey: target) else { return }
        let name: String
        switch begun {
        case .step(_, _, _, let text): name = "\(begun.name): \(text)"
        case .waitingForHost(let host): name = "waiting for \(host)"
        case .connecting(let host): name = "connecting to \(host)"
        default: name = begun.name
        }
        targets[target]?.phases.append(RunRecord.Phase(name: name, startMs: start, endMs: millis(at),
                                                       status: outcome.status.rawValue))
    }

    func output(_ target: String, _ chunk: [UInt8]) {
        var kept = output[target, default: []]
        kept.append(contentsOf: chunk)
        if kept.count > RunRecorder.tailBytes * 2 { kept.removeFirst(kept.count - RunRecorder.tailBytes) }
        output[target] = kept
    }

    func finished(_ target: String, _ result: TargetResult) {
        guard var entry = targets[target] else { return }
        let end = millis(.now)
        entry.status = result.status.rawValue
        entry.durationMs = result.durationMs
        entry.startMs = entry.startMs ?? end
        entry.endMs = end
        entry.error = result.failure
        entry.kind = result.kind?.rawValue
        targets[target] = entry
    }

    func waiting(_ target: String, _ message: String) {}
    func warning(_ message: String) {}
    func buildFinished(_ summary: BuildSummary) { self.summary = summary }

    /// The record of the run, numbered `number`.
    func record(number: Int, asked: [String]) -> RunRecord {
        let list = order.compactMap { name -> RunRecord.Target? in
            guard var target = targets[name] else { return nil }
            var lines = String(decoding: output[name] ?? [], as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map { printable(String($0)) }
            if lines.last == "" { lines.removeLast() }
            target.tail = Array(lines.suffix(10))
            return target
        }
        return RunRecord(number: number, startedAt: wallStart.formatted(.iso8601), durationMs: millis(.now),
                         asked: asked,
                         summary: .init(ran: summary.ran, restored: summary.restored, skipped: summary.skipped,
                                        failed: summary.failed, blocked: summary.blocked),
                         targets: list)
    }

    private func millis(_ instant: ContinuousClock.Instant) -> Int64 {
        (instant - origin).whole(perSecond: 1000)
    }
}
