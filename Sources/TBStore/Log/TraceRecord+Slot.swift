extension TraceRecord {
    /// The name of the key component that names a target's host (`host:prod`).
    static let hostComponentPrefix = "host:"

    /// Which of a target's traces this is: the target, with the outputs, state file and
    /// host it names. A log keeps one trace per slot, so that a variable that moves a
    /// target's state file or outputs (`arg-bonding-$(bonding)`) keeps a trace for each
    /// value, while a target that keeps its outputs and host (an install on prod) has one.
    public var slot: String {
        let host = components.first { $0.name.hasPrefix(TraceRecord.hostComponentPrefix) }
            .map { String($0.name.dropFirst(TraceRecord.hostComponentPrefix.count)) }
        return TraceRecord.slot(target: target, outputs: outputs.map(\.path), host: host)
    }

    /// The slot of `target` when it names `outputs` (its `out` files and state file) and
    /// runs on `host` (nil: the implicit local host).
    public static func slot(target: String, outputs: [String], host: String?) -> String {
        // NUL cannot appear in names: the parts never run into each other.
        var slot = target
        for path in outputs.sorted() {
            slot += "\0o"
            slot += path
        }
        if let host {
            slot += "\0h"
            slot += host
        }
        return slot
    }
}
