/// One event of a Chrome Trace Event file (`--trace`), as Perfetto and chrome://tracing
/// read it: a complete slice (`ph: "X"`, `ts` and `dur` in µs) or metadata (`ph: "M"`).
struct TraceEvent: Encodable {
    typealias Arg = JSONScalar

    var name: String
    var ph: String
    var cat: String?
    var ts: Int64?
    var dur: Int64?
    var pid: Int
    var tid: Int
    var args: [String: Arg]
}

/// The whole file: `{"traceEvents": [...]}`.
struct TraceFile: Encodable {
    var traceEvents: [TraceEvent]
    var displayTimeUnit = "ms"
}
