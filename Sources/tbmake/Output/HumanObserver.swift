import FoundationEssentials
import TBEngine
import TBStore
import TBTargetfile

/// Progress for people: a status line in ninja's style, `[finished/total, N running,
/// elapsed] target` (targets with a recipe: settled ones — ran, failed, up to date,
/// restored — of all in the run), redrawn in place on a terminal (not with `TERM=dumb`), one plain
/// line per start otherwise; reasons under `-n` and `--explain`, and under `-n` the
/// commands that would run; with `-v`, every line of recipe output prefixed by its
/// target (`load-image@fit03 | …`); a failed target's error, last output lines and log
/// path; at the end, a node table of each fan-out. `failed` is red on a terminal
/// (never with `NO_COLOR` or `TERM=dumb`). Failures, warnings and output lines hold
/// names and words tbmake did not write (archive entries, file names, hosts, remote
/// output): they are shown `printable`, one line each.
final class HumanObserver: BuildObserver {
    let dryRun: Bool
    let explain: Bool
    let verbose: Bool
    let smartTerminal: Bool
    let colourOut: Bool
    let colourErr: Bool
    /// Width of the name column in dry-run listings.
    let nameWidth: Int
    /// Lines of the status block now on the screen (the cursor is at the end of the last).
    private var drawnLines = 0
    private var lastDraw: ContinuousClock.Instant?
    private var lastTarget = ""
    /// Instances of `foreach` targets under way (waiting, connecting, running), by name.
    private var activities: [String: Activity] = [:]
    /// Instances that failed, in order, with why: the live view keeps them in sight.
    private var failedInstances: [(node: String, base: String, reason: String)] = []
    /// Counts of settled instances by status, per fan-out.
    private var settledCounts: [String: [String: Int]] = [:]

    /// What one instance is doing, for the live view.
    private struct Activity {
        var node: String
        var base: String
        var phase: String
        var progress: String?
        var since: ContinuousClock.Instant
    }
    private var identities: [String: TargetIdentity] = [:]
    private var begin = ContinuousClock.now
    private var total = 0
    private var finishedCount = 0
    private var running: Set<String> = []
    /// `-v`: output of each target not yet ended by a newline.
    private var partial: [String: [UInt8]] = [:]

    /// One instance of a `foreach` target (`load-image@fit03`), for the table at the end.
    private struct Row {
        var base: String
        var node: String
        var status: String
        var durationMs: Int64?
        var reason: String?
    }
    private var instances: [Row] = []

    init(dryRun: Bool, explain: Bool, verbose: Bool = false, nameWidth: Int) {
        self.dryRun = dryRun
        self.explain = explain
        self.verbose = verbose
        self.smartTerminal = Terminal.stdoutIsSmart
        self.colourOut = Terminal.colours(1)
        self.colourErr = Terminal.colours(2)
        self.nameWidth = min(nameWidth, 40)
    }

    func buildStarted(_ plan: BuildPlan) {
        begin = plan.startedAt
        total = plan.totalWithRecipe
        for identity in plan.targets { identities[identity.name] = identity }
    }

    func decided(_ target: String, _ decision: Decision) {
        // Settled without running: as far along as a finished one.
        if decision.action != .run, identities[target]?.hasRecipe == true { finishedCount += 1 }
        if !dryRun, decision.action != .run, let (base, node) = instance(target) {
            let status = decision.action == .restore ? "restored" : decision.reason.isBlockedByDependency
                || decision.reason == .runStopped ? "not run" : "skipped"
            instances.append(Row(base: base, node: node, status: status,
                                 reason: status == "not run" ? "\(decision.reason)" : nil))
            activities[target] = nil
            settledCounts[base, default: [:]][status, default: 0] += 1
        }
        if dryRun {
            let action = decision.action == .run ? "run " : decision.action == .restore ? "restore" : "skip"
            let padded = target + String(repeating: " ", count: max(0, nameWidth - target.count))
            Terminal.out("\(action.padding(7)) \(padded)  \(printable("\(decision.reason)"))\n")
        } else if explain && decision.action != .skip {
            clearStatus()
            Terminal.out("tbmake: explain \(target): \(printable("\(decision.reason)"))\n")
        }
        if !dryRun && decision.action == .restore {
            clearStatus()
            Terminal.out("restored \(target) from the cache\n")
        } else if decision.reason.isBlockedByDependency {
            clearStatus()
            Terminal.out("tbmake: \(target) not run: \(printable("\(decision.reason)"))\n")
        }
    }

    /// `-n`: the commands under the target's line, as make prints them.
    func commands(_ target: String, _ steps: [String]) {
        Terminal.out(steps.map { "    $ \(printable($0))\n" }.joined())
    }

    func waiting(_ target: String, _ message: String) {
        clearStatus()
        Terminal.out("tbmake: \(target): \(printable(message))\n")
        redrawStatus(target)
    }

    func warning(_ message: String) {
        clearStatus()
        Terminal.err("tbmake: warning: \(printable(message))\n")
    }

    func phaseStarted(_ target: String, _ phase: RunPhase, at: ContinuousClock.Instant) {
        guard smartTerminal, !dryRun, let (base, node) = instance(target) else { return }
        let text: String
        switch phase {
        case .waitingForHost: text = "waiting for host"
        case .connecting: text = "connecting"
        case .step(let number, let count, let kind, _): text = "step \(number)/\(count)" + (kind == "run" ? "" : " \(kind)")
        case .restoring: text = "restoring"
        case .storing: text = "storing"
        }
        var activity = activities[target] ?? Activity(node: node, base: base, phase: text, since: at)
        activity.phase = text
        activities[target] = activity
        redrawStatus(lastTarget.isEmpty ? target : lastTarget, force: false)
    }

    func phaseEnded(_ target: String, _ phase: RunPhase, _ outcome: PhaseOutcome, at: ContinuousClock.Instant) {
        switch phase {
        case .waitingForHost, .connecting: activities[target]?.phase = "queued"   // for a slot of its fan-out
        default: break
        }
    }

    /// Time passes: the live view's elapsed times move on.
    func tick() {
        if !activities.isEmpty { redrawStatus(lastTarget, force: false) }
    }

    func started(_ target: String, started: Int, total: Int) {
        running.insert(target)
        if smartTerminal, let (base, node) = instance(target) {
            var activity = activities[target] ?? Activity(node: node, base: base, phase: "running", since: .now)
            activity.phase = "running"
            activities[target] = activity
        }
        self.total = total
        if smartTerminal {
            redrawStatus(target)
        } else {
            Terminal.out(statusLine(target) + "\n")
        }
    }

    func output(_ target: String, _ chunk: [UInt8]) {
        if activities[target] != nil, let figure = HumanObserver.lastProgress(in: chunk) {
            activities[target]?.progress = figure
            if !verbose { redrawStatus(lastTarget, force: false) }
        }
        guard verbose else { return }
        var pending = partial[target, default: []] + chunk
        var text = ""
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            text += "\(target) | \(printable(String(decoding: pending[..<newline], as: UTF8.self)))\n"
            pending.removeFirst(newline + 1)
        }
        partial[target] = pending
        guard !text.isEmpty else { return }
        clearStatus()
        Terminal.out(text)
        redrawStatus(target)
    }

    func finished(_ target: String, _ result: TargetResult) {
        if verbose, let rest = partial.removeValue(forKey: target), !rest.isEmpty {
            clearStatus()
            Terminal.out("\(target) | \(printable(String(decoding: rest, as: UTF8.self)))\n")
        }
        running.remove(target)
        finishedCount += 1
        activities[target] = nil
        if let (base, node) = instance(target) {
            settledCounts[base, default: [:]][result.status.rawValue, default: 0] += 1
            if result.status == .failed {
                failedInstances.append((node, base, result.failedStep.map { "step \($0.number): " } ?? ""
                                        + (result.failure ?? "")))
            }
            instances.append(Row(base: base, node: node, status: result.status.rawValue, durationMs: result.durationMs,
                                 reason: result.failure.map { failure in
                                     result.failedStep.map { "step \($0.number): \(failure)" } ?? failure
                                 }))
        }
        guard result.status == .failed else {
            redrawStatus(target)
            return
        }
        clearStatus()
        var text = "tbmake: \(target) \(Terminal.red("failed", colourErr)): \(printable(result.failure ?? "unknown error"))\n"
        if !verbose {   // with -v, its output was shown as it came
            for line in result.tail { text += "  | \(printable(line))\n" }
        }
        if let log = result.logPath { text += "  log: \(log)\n" }
        Terminal.err(text)
        redrawStatus(target)
    }

    func summary(_ s: BuildSummary, seconds: Double) {
        clearStatus()
        printInstanceTable()
        if dryRun {
            if s.wouldRun == 0 && s.restored == 0 {
                Terminal.out("tbmake: nothing to do, everything is up to date\n")
            } else {
                let restored = s.restored > 0 ? ", \(s.restored) would be restored from the cache" : ""
                Terminal.out("tbmake: \(s.wouldRun) would run\(restored), \(s.skipped) up to date (dry run: nothing was changed)\n")
            }
            return
        }
        if s.ran == 0 && s.failed == 0 && s.restored == 0 && s.blocked == 0 {
            Terminal.out("tbmake: nothing to do, everything is up to date\n")
            return
        }
        var parts = ["ran \(s.ran)"]
        if s.restored > 0 { parts.append("restored \(s.restored)") }
        parts.append("up to date \(s.skipped)")
        if s.failed > 0 { parts.append(Terminal.red("failed \(s.failed)", colourOut)) }
        if s.blocked > 0 { parts.append("not run \(s.blocked)") }
        let time = (seconds * 10).rounded() / 10
        Terminal.out("tbmake: \(parts.joined(separator: ", ")) in \(time)s\n")
    }

    /// `[3/12, 4 running, 2.1s] load@fit03`.
    private func statusLine(_ target: String) -> String {
        let tenths = (ContinuousClock.now - begin).whole(perSecond: 10)
        return "[\(finishedCount)/\(total), \(running.count) running, \(tenths / 10).\(tenths % 10)s] \(target)"
    }

    /// On a terminal: the status line, rewritten in place — and while instances of a
    /// fan-out are under way, under it the live view: counts per status of each fan-out,
    /// then one line per instance (node, phase, the last progress figure its output
    /// printed, elapsed), the failed first, then the slowest, as many as the terminal's
    /// height allows. Every line is cut to the terminal's width, read at each redraw.
    /// Redraws prompted by output or phases come at most every 100 ms.
    private func redrawStatus(_ target: String, force: Bool = true) {
        guard smartTerminal, !dryRun else { return }
        lastTarget = target
        let now = ContinuousClock.now
        if !force, let last = lastDraw, now - last < .milliseconds(100) { return }
        lastDraw = now
        let width = Terminal.columns()
        var lines = [statusLine(target)] + liveView(now: now, room: max(0, min(12, Terminal.rows() - 3)))
        lines = lines.map { $0.count >= width ? String($0.prefix(width - 1)) : $0 }
        Terminal.out(eraseSequence() + lines.joined(separator: "\n"))
        drawnLines = lines.count
    }

    /// The live view's lines under the status line; none when no fan-out is under way.
    private func liveView(now: ContinuousClock.Instant, room: Int) -> [String] {
        guard !activities.isEmpty, room > 0 else { return [] }
        var lines: [String] = []
        let bases = Set(activities.values.map(\.base)).sorted()
        for base in bases {
            var counts = settledCounts[base, default: [:]]
            let active = activities.values.filter { $0.base == base }
            counts["running"] = active.filter { !["waiting for host", "connecting", "queued"].contains($0.phase) }.count
            counts["waiting"] = active.count - counts["running"]!
            let shown = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            lines.append("  \(base): " + shown.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        let width = max(activities.values.map(\.node.count).max() ?? 0, failedInstances.map(\.node.count).max() ?? 0)
        var rows = failedInstances.suffix(max(0, (room - lines.count) / 3)).map { failed in
            "  \(failed.node.padding(width))  \(Terminal.red("failed", colourOut))  \(printable(failed.reason))"
        }
        let slowest = activities.values.sorted { ($0.since, $0.node) < ($1.since, $1.node) }
        for activity in slowest {
            let tenths = (now - activity.since).whole(perSecond: 10)
            rows.append("  \(activity.node.padding(width))  \(activity.phase.padding(12))  "
                        + "\((activity.progress ?? "").padding(7))  \(tenths / 10).\(tenths % 10)s")
        }
        return lines + rows.prefix(max(0, room - lines.count))
    }

    /// Moves to the start of the status block and erases it.
    private func eraseSequence() -> String {
        "\r\u{1b}[K" + String(repeating: "\u{1b}[1A\u{1b}[K", count: max(0, drawnLines - 1))
    }

    /// The last progress figure in `chunk`: `43%`, `43.5%` (at most three digits before
    /// the point) or `12/50`.
    static func lastProgress(in chunk: [UInt8]) -> String? {
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var last: Range<Int>?
        var i = 0
        while i < chunk.count {
            guard isDigit(chunk[i]) else { i += 1; continue }
            var j = i
            while j < chunk.count && isDigit(chunk[j]) { j += 1 }
            var k = j
            if k + 1 < chunk.count && chunk[k] == UInt8(ascii: ".") && isDigit(chunk[k + 1]) {
                k += 1
                while k < chunk.count && isDigit(chunk[k]) { k += 1 }
            }
            if k < chunk.count && chunk[k] == UInt8(ascii: "%") {
                // At most three digits before the point: the figure's start moves right.
                last = max(i, j - 3)..<(k + 1)
                i = k + 1
            } else if j + 1 < chunk.count && chunk[j] == UInt8(ascii: "/") && isDigit(chunk[j + 1]) {
                var m = j + 1
                while m < chunk.count && isDigit(chunk[m]) { m += 1 }
                last = i..<m
                i = m
            } else {
                i = j
            }
        }
        return last.map { String(decoding: chunk[$0], as: UTF8.self) }
    }

    /// The base target and node of an instance of a `foreach` target.
    private func instance(_ target: String) -> (String, String)? {
        guard let identity = identities[target], let node = identity.node else { return nil }
        return (identity.base, node)
    }

    /// One row per instance: node, status, duration, and why it failed or did not run —
    /// the node × status table of a fan-out.
    private func printInstanceTable() {
        guard !instances.isEmpty else { return }
        var text = ""
        for base in Set(instances.map(\.base)).sorted() {
            let rows = instances.filter { $0.base == base }
                .sorted { NodeSpec.naturallyPrecedes($0.node, $1.node) }
            let counts = Dictionary(grouping: rows, by: \.status).mapValues(\.count)
            text += "\(base): " + counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", ") + "\n"
            let width = rows.map(\.node.count).max() ?? 0
            for row in rows {
                let status = row.status.padding(7)
                var line = "  \(row.node.padding(width))  \(row.status == "failed" ? Terminal.red(status, colourOut) : status)"
                line += row.durationMs.map { "  \((Double($0) / 100).rounded() / 10)s" } ?? (row.reason == nil ? "" : "      ")
                if let reason = row.reason { line += "  \(printable(reason))" }
                text += line + "\n"
            }
        }
        Terminal.out(text)
    }

    private func clearStatus() {
        if drawnLines > 0 {
            Terminal.out(eraseSequence())
            drawnLines = 0
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
