import FoundationEssentials

/// The records of the last runs, `.tbmake/runs/N.json`, numbered from 1; only the last
/// `kept` stay.
struct RunHistory {
    var directory = ".tbmake/runs"
    var kept = 20

    /// The numbers of the runs kept, ascending.
    func numbers() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in name.hasSuffix(".json") ? Int(name.dropLast(5)) : nil }.sorted()
    }

    func nextNumber() -> Int { (numbers().last ?? 0) + 1 }

    func load(_ number: Int) throws -> RunRecord {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(number).json"))
        return try JSONDecoder().decode(RunRecord.self, from: data)
    }

    /// Run `number` and up to `count - 1` runs before it, oldest first; records that
    /// cannot be read are left out.
    func runs(upTo number: Int, count: Int) -> [RunRecord] {
        numbers().filter { $0 <= number }.suffix(count).compactMap { try? load($0) }
    }

    /// Writes `record` (atomically, secrets masked) and removes the oldest beyond `kept`.
    func save(_ record: RunRecord) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = Terminal.secrets.mask(String(decoding: try encoder.encode(record), as: UTF8.self))
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(record.number).json"), options: .atomic)
        for old in numbers().dropLast(kept) {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(old).json")
        }
    }
}
