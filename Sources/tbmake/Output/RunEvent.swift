import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One `--json` event (docs/events.md, schema in docs/events.schema.json). Fields a kind
/// does not have are left out; `node` is `null` for a target that is not an instance.
/// `line(using:)` writes `event` first, then the other keys sorted.
struct RunEvent: Encodable {
    /// The version of the events' schema, in the `start` event.
    static let schemaVersion = 1

    /// The target an event is about.
    struct Target {
        var name: String
        var base: String
        var node: String?
        var host: String
    }

    var event: String
    var time: String
    var elapsedMs: Int64
    var target: Target?
    var fields: [(String, Value)] = []

    typealias Value = JSONScalar

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(time, forKey: Key("time"))
        try container.encode(elapsedMs, forKey: Key("elapsed_ms"))
        if let target {
            try container.encode(target.name, forKey: Key("target"))
            try container.encode(target.base, forKey: Key("base"))
            try container.encode(target.node, forKey: Key("node"))
            try container.encode(target.host, forKey: Key("host"))
        }
        for (key, value) in fields { try container.encode(value, forKey: Key(key)) }
    }

    /// The event as one line: `{"event":"NAME",` then the other keys, sorted, as
    /// `encoder` (with `.sortedKeys`) writes them.
    func line(using encoder: JSONEncoder) throws -> String {
        let body = String(decoding: try encoder.encode(self), as: UTF8.self)
        let name = String(decoding: try encoder.encode(event), as: UTF8.self)
        return "{\"event\":\(name)," + body.dropFirst() + "\n"
    }

    /// Now as RFC 3339 UTC with milliseconds: `2026-12-06T04:58:24.123Z`.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = Int(spec.tv_nsec / 1_000_000)
        let millis = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }
}
