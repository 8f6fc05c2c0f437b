import TBEngine

/// `--json`: one event per line on stdout, for scripts and CI.
final class JSONObserver: BuildObserver {
    func decided(_ target: String, _ decision: Decision) {
        Terminal.out(JSON.line(["event": .string("decision"), "target": .string(target),
                                "decision": .string(decision.action.rawValue),
                                "reason": .string(decision.reason.description)]))
    }

    func started(_ target: String, started: Int, total: Int) {
        Terminal.out(JSON.line(["event": .string("started"), "target": .string(target)]))
    }

    func finished(_ target: String, _ result: TargetResult) {
        if let failure = result.failure {
            Terminal.out(JSON.line(["event": .string("finished"), "target": .string(target),
                                    "status": .string(result.status.rawValue), "duration_ms": .int(result.durationMs),
                                    "error": .string(failure)]))
        } else {
            Terminal.out(JSON.line(["event": .string("finished"), "target": .string(target),
                                    "status": .string(result.status.rawValue), "duration_ms": .int(result.durationMs)]))
        }
    }

    func waiting(_ target: String, _ message: String) {
        Terminal.out(JSON.line(["event": .string("waiting"), "target": .string(target), "message": .string(message)]))
    }

    func warning(_ message: String) {
        Terminal.out(JSON.line(["event": .string("warning"), "message": .string(message)]))
    }

    func summary(_ s: BuildSummary, dryRun: Bool) {
        if dryRun {
            Terminal.out(JSON.line(["event": .string("summary"), "ran": .int(0), "restored": .int(0),
                                    "skipped": .int(Int64(s.skipped)), "failed": .int(0),
                                    "would_run": .int(Int64(s.wouldRun)), "would_restore": .int(Int64(s.restored))]))
        } else {
            Terminal.out(JSON.line(["event": .string("summary"), "ran": .int(Int64(s.ran)),
                                    "restored": .int(Int64(s.restored)), "skipped": .int(Int64(s.skipped)),
                                    "failed": .int(Int64(s.failed)), "blocked": .int(Int64(s.blocked))]))
        }
    }
}
