import FoundationEssentials

/// What `.tbmake/runs/N.json` keeps of one real run: enough to draw its report again
/// (`tbmake report N`) and to compare it with the runs after it.
struct RunRecord: Codable, Equatable {
    static let currentVersion = 1

    /// One target of the run.
    struct Target: Codable, Equatable {
        var name: String
        var base: String
        var node: String?
        var host: String
        /// `run`, `skip` or `restore`.
        var decision: String
        var reason: String
        /// `ok`, `failed`, `restored`, `up to date` or `not run`.
        var status: String
        /// Since the run started, when it ran.
        var startMs: Int64?
        var endMs: Int64?
        var durationMs: Int64?
        var error: String?
        var kind: String?
        /// The last lines of its output.
        var tail: [String] = []
        var dependencies: [String] = []
        /// Its phases (steps, store, restore, waiting, connecting) with their times.
        var phases: [Phase] = []

        /// Where a timeline shows it: its node, else its host.
        var track: String { node ?? host }
    }

    /// One phase of a target.
    struct Phase: Codable, Equatable {
        var name: String
        var startMs: Int64
        var endMs: Int64
        var status: String
    }

    struct Summary: Codable, Equatable {
        var ran: Int
        var restored: Int
        var skipped: Int
        var failed: Int
        var blocked: Int
    }

    var version = RunRecord.currentVersion
    var number: Int
    /// UTC, ISO 8601.
    var startedAt: String
    var durationMs: Int64
    var asked: [String]
    var summary: Summary
    var targets: [Target]

    /// The critical path: from the target that ended last, back through the dependency
    /// that ended last each time, to a target with none that ran; in run order.
    var criticalPath: [Target] {
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [Target] = []
        var current = targets.filter { $0.endMs != nil }.max { ($0.endMs!, $0.name) < ($1.endMs!, $1.name) }
        var seen: Set<String> = []
        while let target = current, seen.insert(target.name).inserted {
            path.append(target)
            current = target.dependencies.compactMap { byName[$0] }.filter { $0.endMs != nil }
                .max { ($0.endMs!, $0.name) < ($1.endMs!, $1.name) }
        }
        return path.reversed()
    }
}
