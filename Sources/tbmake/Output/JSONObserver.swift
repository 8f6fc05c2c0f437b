import FoundationEssentials
import TBEngine

/// `--json`: one event per line on stdout, for scripts and CI — the interface
/// docs/events.md documents: a `start` event with the schema version, then `decision`,
/// `started`, `finished`, `waiting` and `warning` events, then one `summary`, each with
/// its time; target events name the target, its base target, node and host apart.
final class JSONObserver: BuildObserver {
    private var identities: [String: TargetIdentity] = [:]
    private var origin = ContinuousClock.now
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func buildStarted(_ plan: BuildPlan) {
        origin = plan.startedAt
        for identity in plan.targets { identities[identity.name] = identity }
        emit("start", fields: [("schema", .number(Int64(RunEvent.schemaVersion))), ("version", .text(TBMake.version)),
                               ("dry_run", .flag(plan.dryRun)), ("targets", .number(Int64(plan.targets.count)))])
    }

    func decided(_ target: String, _ decision: Decision) {
        emit("decision", target, [("decision", .text(decision.action.rawValue)),
                                  ("reason", .text(decision.reason.description))])
    }

    func started(_ target: String, started: Int, total: Int) {
        emit("started", target, [("started", .number(Int64(started))), ("total", .number(Int64(total)))])
    }

    func finished(_ target: String, _ result: TargetResult) {
        var fields: [(String, RunEvent.Value)] = [("status", .text(result.status.rawValue)),
                                                  ("duration_ms", .number(result.durationMs))]
        if let failure = result.failure {
            fields.append(("error", .text(failure)))
            fields.append(("kind", .text((result.kind ?? .other).rawValue)))
            if let step = result.failedStep { fields.append(("step", .number(Int64(step.number)))) }
            if let log = result.logPath { fields.append(("log", .text(log))) }
        }
        emit("finished", target, fields)
    }

    func waiting(_ target: String, _ message: String) {
        emit("waiting", target, [("message", .text(message))])
    }

    func warning(_ message: String) {
        emit("warning", fields: [("message", .text(message))])
    }

    /// The last event: the same keys with and without `-n`.
    func summary(_ s: BuildSummary, dryRun: Bool) {
        let counts: [(String, Int)] = [("ran", dryRun ? 0 : s.ran), ("restored", dryRun ? 0 : s.restored),
                                       ("skipped", s.skipped), ("failed", s.failed), ("blocked", s.blocked), ("would_run", dryRun ? s.wouldRun : 0),
                                       ("would_restore", dryRun ? s.restored : 0)]
        emit("summary", fields: counts.map { ($0.0, .number(Int64($0.1))) } + [("dry_run", .flag(dryRun))])
    }

    private func emit(_ event: String, _ target: String, _ fields: [(String, RunEvent.Value)]) {
        let identity = identities[target]
        let about = RunEvent.Target(name: target, base: identity?.base ?? target, node: identity?.node,
                                    host: identity?.host ?? "local")
        emit(event, about: about, fields: fields)
    }

    private func emit(_ event: String, about target: RunEvent.Target? = nil, fields: [(String, RunEvent.Value)]) {
        let line = RunEvent(event: event, time: RunEvent.now(), elapsedMs: (ContinuousClock.now - origin).whole(perSecond: 1000), target: target, fields: fields)
        guard let text = try? line.line(using: encoder) else { return }
        Terminal.out(text)
    }
}
