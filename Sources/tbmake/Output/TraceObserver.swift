import FoundationEssentials
import TBEngine

/// `--trace FILE`: the run as a Chrome Trace Event file. One track per node or host
/// (`thread_name` metadata); a target's run is a slice on its track, its recipe steps
/// and its store nested in it; waiting for a host, connecting and restoring are slices
/// of their own. Targets of one track that overlap (several recipes on the implicit
/// local host) go to further tracks of the same name, numbered (`local (2)`): slices on
/// one track always nest. Written when the run ends, atomically.
final class TraceObserver: BuildObserver {
    private let path: String
    private var origin = ContinuousClock.now
    private var identities: [String: TargetIdentity] = [:]
    /// Track name → the end of the last slice of each of its lanes (nil: a slice is open).
    private var lanes: [String: [Int64?]] = [:]
    /// Lane (track, index) → tid.
    private var tids: [String: Int] = [:]
    private var events: [TraceEvent] = []
    /// Open slices by target: where they began, on which tid, and for a target's run,
    /// the events of its phases (appended when it ends).
    private var open: [String: (tid: Int, lane: Int, begin: Int64)] = [:]
    private var openPhase: [String: (phase: RunPhase, tid: Int, lane: Int?, begin: Int64)] = [:]
    private var decisions: [String: Decision] = [:]

    init(path: String) { self.path = path }

    func buildStarted(_ plan: BuildPlan) {
        origin = plan.startedAt
        for identity in plan.targets { identities[identity.name] = identity }
    }

    func decided(_ target: String, _ decision: Decision) { decisions[target] = decision }

    func started(_ target: String, started: Int, total: Int) {
        let now = micros(.now)
        let (tid, lane) = takeLane(on: track(of: target), at: now)
        open[target] = (tid, lane, now)
    }

    func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {
        let begin = micros(at)
        if let running = open[target] {   // a step or the store: inside the target's slice
            openPhase[target] = (phase, running.tid, nil, begin)
        } else {                          // waiting, connecting, restoring: a slice of its own
            let (tid, lane) = takeLane(on: track(of: target), at: begin)
            openPhase[target] = (phase, tid, lane, begin)
        }
    }

    func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {
        guard let begun = openPhase.removeValue(forKey: target) else { return }
        let end = max(micros(at), begun.begin)
        var args: [String: TraceEvent.Arg] = ["target": .text(target), "status": .text(outcome.status.rawValue)]
        if let bytes = outcome.bytes { args["bytes"] = .number(bytes) }
        if let reason = outcome.reason { args["reason"] = .text(reason) }
        let name: String
        let category: String
        switch phase {
        case .waitingForHost(let host): (name, category) = ("waiting for \(host)", "host")
        case .connecting(let host): (name, category) = ("connecting to \(host)", "host")
        case .step(let number, let count, let kind, let text):
            name = text.count > 80 ? String(text.prefix(79)) + "…" : text
            category = kind == "run" ? "step" : "transfer"
            args["step"] = .text("\(number)/\(count)")
            args["kind"] = .text(kind)
        case .restoring: (name, category) = ("restore", "cache")
        case .storing: (name, category) = ("store", "cache")
        }
        events.append(TraceEvent(name: name, ph: "X", cat: category, ts: begun.begin, dur: end - begun.begin,
                                  pid: 1, tid: begun.tid, args: args))
        if let lane = begun.lane { releaseLane(on: track(of: target), lane, at: end) }
    }

    func finished(_ target: String, _ result: TargetResult) {
        guard let begun = open.removeValue(forKey: target) else { return }   // failed before it started
        let end = micros(.now)
        var args: [String: TraceEvent.Arg] = ["status": .text(result.status.rawValue),
                                              "duration_ms": .number(result.durationMs)]
        if let decision = decisions[target] { args["reason"] = .text("\(decision.reason)") }
        if let failure = result.failure { args["error"] = .text(failure) }
        if let kind = result.kind { args["kind"] = .text(kind.rawValue) }
        events.append(TraceEvent(name: target, ph: "X", cat: "target", ts: begun.begin, dur: end - begun.begin,
                                 pid: 1, tid: begun.tid, args: args))
        releaseLane(on: track(of: target), begun.lane, at: end)
    }

    func waiting(_ target: String, _ message: String) {}
    func warning(_ message: String) {}

    func buildFinished(_ summary: BuildSummary) {
        var metadata = [TraceEvent(name: "process_name", ph: "M", pid: 1, tid: 0, args: ["name": .text("tbmake")])]
        for (lane, tid) in tids.sorted(by: { $0.value < $1.value }) {
            metadata.append(TraceEvent(name: "thread_name", ph: "M", pid: 1, tid: tid, args: ["name": .text(lane)]))
            metadata.append(TraceEvent(name: "thread_sort_index", ph: "M", pid: 1, tid: tid,
                                       args: ["sort_index": .number(Int64(tid))]))
        }
        let sorted = events.sorted { ($0.ts ?? 0, -($0.dur ?? 0)) < ($1.ts ?? 0, -($1.dur ?? 0)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(TraceFile(traceEvents: metadata + sorted))
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            Terminal.err("tbmake: cannot write the trace \(path): \(error)\n")
        }
    }

    private func track(of target: String) -> String { identities[target]?.track ?? "local" }

    private func micros(_ instant: ContinuousClock.Instant) -> Int64 {
        (instant - origin).whole(perSecond: 1_000_000)
    }

    /// The first lane of `track` free at `time`, and its tid.
    private func takeLane(on track: String, at time: Int64) -> (tid: Int, lane: Int) {
        var ends = lanes[track, default: []]
        let lane = ends.firstIndex { end in end.map { $0 <= time } ?? false } ?? ends.count
        if lane == ends.count { ends.append(nil) } else { ends[lane] = nil }
        lanes[track] = ends
        let name = lane == 0 ? track : "\(track) (\(lane + 1))"
        if tids[name] == nil { tids[name] = tids.count + 1 }
        return (tids[name]!, lane)
    }

    private func releaseLane(on track: String, _ lane: Int, at time: Int64) {
        lanes[track]?[lane] = time
    }
}
