import Foundation
import TBEngine
import TBStore

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
    private var statusShown = false
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

    func started(_ target: String, started: Int, total: Int) {
        running.insert(target)
        self.total = total
        if smartTerminal {
            redrawStatus(target)
        } else {
            Terminal.out(statusLine(target) + "\n")
        }
    }

    func output(_ target: String, _ chunk: [UInt8]) {
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
        if let (base, node) = instance(target) {
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
        let elapsed = ContinuousClock.now - begin
        let tenths = (elapsed.components.seconds * 10) + elapsed.components.attoseconds / 100_000_000_000_000_000
        return "[\(finishedCount)/\(total), \(running.count) running, \(tenths / 10).\(tenths % 10)s] \(target)"
    }

    /// On a terminal: the status line, rewritten in place, cut to the terminal's width.
    private func redrawStatus(_ target: String) {
        guard smartTerminal, !dryRun else { return }
        let line = statusLine(target)
        let width = Terminal.columns()
        let shown = line.count > width ? String(line.prefix(width - 1)) : line
        Terminal.out("\r\u{1b}[K" + shown)
        statusShown = true
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
                .sorted { $0.node.compare($1.node, options: .numeric) == .orderedAscending }
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
        if statusShown {
            Terminal.out("\r\u{1b}[K")
            statusShown = false
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
