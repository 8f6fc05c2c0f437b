import FoundationEssentials
import TBTargetfile

/// `.tbmake/report.html`: one run as a self-contained page — inline CSS and a few lines
/// of inline JavaScript, nothing fetched. It shows the summary, a timeline by node or
/// host, the node × target matrix, every target's decision, reason, duration and the
/// tail of its output, the critical path, and the last runs side by side.
enum RunReport {
    /// The page of `run`; `history` holds the runs to compare, oldest first, `run` last.
    static func html(_ run: RunRecord, history: [RunRecord]) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>tbmake run \(run.number)</title>
            <style>\(style)</style>
            </head><body>
            <h1>tbmake run \(run.number)</h1>

            """
        page += summary(run)
        page += timeline(run)
        page += matrix(run)
        page += targets(run)
        page += criticalPath(run)
        page += runs(history.isEmpty ? [run] : history)
        page += "<script>\(script)</script>\n</body></html>\n"
        return page
    }

    private static func summary(_ run: RunRecord) -> String {
        let s = run.summary
        let asked = run.asked.isEmpty ? "the default target" : run.asked.map(escape).joined(separator: " ")
        var text = "<section id=\"summary\"><p>Started \(escape(run.startedAt)), \(seconds(run.durationMs)), asked: \(asked)</p>\n<ul class=\"counts\">"
        for (name, count, status) in [("ran", s.ran, "ok"), ("restored", s.restored, "restored"),
                                      ("up to date", s.skipped, "up-to-date"), ("failed", s.failed, "failed"),
                                      ("not run", s.blocked, "not-run")] {
            text += "<li class=\"s-\(count > 0 ? status : "none")\" data-count=\"\(escape(name))\">\(count) \(escape(name))</li>"
        }
        return text + "</ul></section>\n"
    }

    private static func timeline(_ run: RunRecord) -> String {
        let spans = run.targets.filter { $0.startMs != nil || !$0.phases.isEmpty }
        var text = "<section><h2>Timeline</h2>\n<div id=\"timeline\">"
        let total = max(run.durationMs, 1)
        func bar(_ start: Int64, _ end: Int64, _ cls: String, _ label: String, _ title: String) -> String {
            let left = Double(start) * 100 / Double(total)
            let width = max(Double(end - start) * 100 / Double(total), 0.3)
            return "<div class=\"bar \(cls)\" style=\"left:\(percent(left));width:\(percent(width))\" title=\"\(escape(title))\">\(escape(label))</div>"
        }
        let byTrack = Dictionary(grouping: spans, by: \.track)
        for track in naturalSorted(Set(byTrack.keys)) {
            text += "<div class=\"track\" data-track=\"\(escape(track))\"><span class=\"label\">\(escape(track))</span><div class=\"lane\">"
            for target in byTrack[track] ?? [] {
                for phase in target.phases where target.startMs == nil || phase.startMs < target.startMs! {
                    text += bar(phase.startMs, phase.endMs, "phase s-\(cls(phase.status))", "", "\(target.name): \(phase.name)")
                }
                if let start = target.startMs, let end = target.endMs {
                    text += bar(start, end, "s-\(cls(target.status))", target.name,
                                "\(target.name): \(target.status), \(seconds(target.durationMs ?? 0))")
                }
            }
            text += "</div></div>\n"
        }
        return text + "</div></section>\n"
    }

    private static func matrix(_ run: RunRecord) -> String {
        let instances = run.targets.filter { $0.node != nil }
        let tracks = naturalSorted(Set(instances.map(\.track)))
        guard !tracks.isEmpty else { return "" }
        let bases = instances.map(\.base).uniqued()
        var cells: [String: [String: RunRecord.Target]] = [:]
        for target in instances where cells[target.track]?[target.base] == nil { cells[target.track, default: [:]][target.base] = target }
        var text = "<section><h2>Nodes × targets</h2>\n<table id=\"matrix\"><tr><th>node</th>"
        for base in bases { text += "<th>\(escape(base))</th>" }
        text += "</tr>\n"
        for track in tracks {
            text += "<tr data-node=\"\(escape(track))\"><th>\(escape(track))</th>"
            for base in bases {
                if let target = cells[track]?[base] {
                    text += "<td class=\"s-\(cls(target.status))\" data-status=\"\(escape(target.status))\" title=\"\(escape(target.error ?? target.reason))\">\(escape(target.status))</td>"
                } else {
                    text += "<td></td>"
                }
            }
            text += "</tr>\n"
        }
        return text + "</table></section>\n"
    }

    private static func targets(_ run: RunRecord) -> String {
        var text = """
            <section><h2>Targets</h2>
            <input id="filter" placeholder="filter targets">
            <table id="targets"><tr><th>target</th><th>node</th><th>host</th><th>decision</th><th>reason</th><th>status</th><th>duration</th><th>output</th></tr>

            """
        for target in run.targets {
            let reason = target.error.map { "\(target.reason); \($0)" } ?? target.reason
            let tail = target.tail.isEmpty ? "" : "<details><summary>last \(target.tail.count) lines</summary><pre>\(escape(target.tail.joined(separator: "\n")))</pre></details>"
            text += "<tr data-target=\"\(escape(target.name))\" data-status=\"\(escape(target.status))\">"
            text += "<td>\(escape(target.name))</td><td>\(escape(target.node ?? ""))</td><td>\(escape(target.host))</td>"
            text += "<td>\(escape(target.decision))</td><td>\(escape(reason))</td>"
            text += "<td class=\"s-\(cls(target.status))\">\(escape(target.status))</td>"
            text += "<td>\(target.durationMs.map(seconds) ?? "")</td><td>\(tail)</td></tr>\n"
        }
        return text + "</table></section>\n"
    }

    private static func criticalPath(_ run: RunRecord) -> String {
        let path = run.criticalPath
        guard !path.isEmpty else { return "" }
        var text = "<section><h2>Critical path</h2>\n<ol id=\"critical-path\">"
        for target in path {
            text += "<li data-target=\"\(escape(target.name))\">\(escape(target.name)) \(seconds(target.durationMs ?? 0))</li>"
        }
        return text + "</ol></section>\n"
    }

    private static func runs(_ history: [RunRecord]) -> String {
        var text = "<section><h2>Last runs</h2>\n<table id=\"runs\"><tr><th></th>"
        for run in history { text += "<th data-run=\"\(run.number)\">run \(run.number)</th>" }
        text += "</tr>\n<tr><th>started</th>"
        for run in history { text += "<td>\(escape(run.startedAt))</td>" }
        text += "</tr>\n<tr><th>duration</th>"
        for run in history { text += "<td>\(seconds(run.durationMs))</td>" }
        text += "</tr>\n<tr><th>outcome</th>"
        for run in history {
            let s = run.summary
            let outcome = s.failed > 0 ? "failed" : "ok"
            text += "<td class=\"s-\(outcome)\">ran \(s.ran), restored \(s.restored), up to date \(s.skipped), failed \(s.failed), not run \(s.blocked)</td>"
        }
        text += "</tr>\n"
        let names = history.last.map { $0.targets.filter { $0.decision != "skip" || $0.status == "not run" }.map(\.name) } ?? []
        let byName = history.map { run in Dictionary(run.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }) }
        for name in names {
            text += "<tr data-target=\"\(escape(name))\"><th>\(escape(name))</th>"
            for targets in byName {
                if let target = targets[name] {
                    let time = target.durationMs.map { " " + seconds($0) } ?? ""
                    text += "<td class=\"s-\(cls(target.status))\">\(escape(target.status))\(time)</td>"
                } else {
                    text += "<td></td>"
                }
            }
            text += "</tr>\n"
        }
        return text + "</table></section>\n"
    }

    // MARK: - Helpers

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func cls(_ status: String) -> String { String(status.map { $0 == " " ? "-" : $0 }) }

    private static func seconds(_ ms: Int64) -> String { "\(Double(ms / 100) / 10)s" }

    private static func percent(_ value: Double) -> String { "\((value * 100).rounded() / 100)%" }

    /// `fit2` before `fit10`.
    static func naturalSorted(_ names: Set<String>) -> [String] {
        names.sorted(by: NodeSpec.naturallyPrecedes)
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
        h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        .counts{list-style:none;padding:0;display:flex;gap:.5em}.counts li{padding:2px 8px;border-radius:3px}
        .s-ok{background:#c8e6c9}.s-failed{background:#ef9a9a;color:#600;font-weight:bold}.s-restored{background:#bbdefb}
        .s-up-to-date,.s-none{background:#eee}.s-not-run{background:#fff3c4}
        #timeline{border:1px solid #ccc;padding:4px}.track{display:flex;align-items:center;height:22px}
        .label{width:10em;flex:none;font-family:monospace;overflow:hidden}.lane{position:relative;flex:1;height:18px}
        .bar{position:absolute;top:0;height:18px;overflow:hidden;white-space:nowrap;font-size:11px;border:1px solid #888;box-sizing:border-box}
        .bar.phase{top:6px;height:6px;opacity:.6}
        pre{margin:0;font-size:12px;max-width:60em;overflow:auto}#filter{margin-bottom:4px}
        """

    private static let script = """
        (function(){
          var input=document.getElementById('filter');
          input.addEventListener('input',function(){
            var rows=document.querySelectorAll('#targets tr[data-target]');
            for(var i=0;i<rows.length;i++){rows[i].style.display=rows[i].dataset.target.indexOf(input.value)>=0?'':'none';}
          });
          var ok=document.createElement('div');ok.id='report-ready';ok.hidden=true;document.body.appendChild(ok);
        })();
        """
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
