import TBEngine
import TBStore

/// Progress for people: a ninja-style status line on a terminal (`[3/12] dev-rpm`),
/// plain lines otherwise; reasons under `-n` and `--explain`; a failed target's error,
/// last output lines and log path. Failures, warnings and output lines hold names and
/// words tbmake did not write (archive entries, file names, hosts, remote output): they
/// are shown `printable`, one line each.
final class HumanObserver: BuildObserver {
    let dryRun: Bool
    let explain: Bool
    let smartTerminal: Bool
    /// Width of the name column in dry-run listings.
    let nameWidth: Int
    private var statusShown = false
    /// Instances of `foreach` targets (`load-image@fit03`), for the table at the end.
    private var instances: [(target: String, node: String, status: String, durationMs: Int64?)] = []

    init(dryRun: Bool, explain: Bool, nameWidth: Int) {
        self.dryRun = dryRun
        self.explain = explain
        self.smartTerminal = Terminal.stdoutIsTerminal
        self.nameWidth = min(nameWidth, 40)
    }

    func decided(_ target: String, _ decision: Decision) {
        if !dryRun, decision.action != .run, let (base, node) = HumanObserver.instance(target) {
            instances.append((base, node, decision.action == .restore ? "restored" : "skipped", nil))
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

    func waiting(_ target: String, _ message: String) {
        clearStatus()
        Terminal.out("tbmake: \(target): \(printable(message))\n")
    }

    func warning(_ message: String) {
        clearStatus()
        Terminal.err("tbmake: warning: \(printable(message))\n")
    }

    func started(_ target: String, started: Int, total: Int) {
        let line = "[\(started)/\(total)] \(target)"
        if smartTerminal {
            let width = Terminal.columns()
            let shown = line.count > width ? String(line.prefix(width - 1)) : line
            Terminal.out("\r\u{1b}[K" + shown)
            statusShown = true
        } else {
            Terminal.out(line + "\n")
        }
    }

    func finished(_ target: String, _ result: TargetResult) {
        if let (base, node) = HumanObserver.instance(target) {
            instances.append((base, node, result.status.rawValue, result.durationMs))
        }
        guard result.status == .failed else { return }
        clearStatus()
        var text = "tbmake: \(target) failed: \(printable(result.failure ?? "unknown error"))\n"
        for line in result.tail { text += "  | \(printable(line))\n" }
        if let log = result.logPath { text += "  log: \(log)\n" }
        Terminal.err(text)
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
        if s.failed > 0 { parts.append("failed \(s.failed)") }
        if s.blocked > 0 { parts.append("not run \(s.blocked)") }
        let time = (seconds * 10).rounded() / 10
        Terminal.out("tbmake: \(parts.joined(separator: ", ")) in \(time)s\n")
    }

    /// `load-image@fit03` → ("load-image", "fit03").
    static func instance(_ target: String) -> (String, String)? {
        guard let at = target.lastIndex(of: "@") else { return nil }
        return (String(target[..<at]), String(target[target.index(after: at)...]))
    }

    /// One row per instance: node, status, duration — the node × status table of a fan-out.
    private func printInstanceTable() {
        guard !instances.isEmpty else { return }
        var text = ""
        for base in Set(instances.map(\.target)).sorted() {
            let rows = instances.filter { $0.target == base }.sorted { $0.node < $1.node }
            let counts = Dictionary(grouping: rows, by: \.status).mapValues(\.count)
            text += "\(base): " + counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", ") + "\n"
            let width = rows.map(\.node.count).max() ?? 0
            for row in rows {
                let time = row.durationMs.map { "  \((Double($0) / 100).rounded() / 10)s" } ?? ""
                text += "  \(row.node.padding(width))  \(row.status.padding(7))\(time)\n"
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
