import FoundationEssentials

/// `tbmake report [RUN]`: writes `.tbmake/report.html` again from the run records kept
/// under `.tbmake/runs/` — the last run's, or run RUN's — and prints its path.
enum ReportCommand {
    static let usage = "usage: tbmake report [RUN]"

    static func execute(_ arguments: [String]) throws -> Int32 {
        if arguments == ["--help"] || arguments == ["-h"] {
            Terminal.out("""
                \(usage)

                Writes .tbmake/report.html from the records of the last runs kept under
                .tbmake/runs/ (every real run writes its record and the report): run RUN's,
                or the last run's. The page is self-contained (no network).

                """)
            return 0
        }
        guard arguments.count <= 1 else { throw Invocation.Stop(message: "\(usage) (got \(arguments.count) arguments)", exitStatus: 2) }
        let history = RunHistory()
        let numbers = history.numbers()
        let number: Int
        if let given = arguments.first {
            guard let n = Int(given) else { throw Invocation.Stop(message: "\(usage): RUN is a number, got '\(given)'", exitStatus: 2) }
            guard numbers.contains(n) else {
                let kept = numbers.isEmpty ? "none" : "\(numbers.first!)-\(numbers.last!)"
                throw Invocation.Stop(message: "no record of run \(n) in .tbmake/runs (kept: \(kept))", exitStatus: 1)
            }
            number = n
        } else {
            guard let last = numbers.last else {
                throw Invocation.Stop(message: "no run recorded yet in .tbmake/runs: run tbmake first", exitStatus: 1)
            }
            number = last
        }
        try write(number: number, history: history)
        Terminal.out(".tbmake/report.html\n")
        return 0
    }

    /// Writes `.tbmake/report.html` for run `number`, with up to 9 runs before it.
    static func write(number: Int, history: RunHistory) throws {
        let runs = history.runs(upTo: number, count: 10)
        guard let run = runs.last, run.number == number else {
            throw Invocation.Stop(message: "cannot read .tbmake/runs/\(number).json", exitStatus: 1)
        }
        let page = RunReport.html(run, history: runs)
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: ".tbmake/report.html"), options: .atomic)
        } catch {
            throw Invocation.Stop(message: "cannot write .tbmake/report.html: \(error)", exitStatus: 1)
        }
    }
}
