/// Why a target failed, as a closed set (`--json`'s `kind`, docs/events.md).
public enum FailureKind: String, Sendable, CaseIterable {
    /// A command exited with a non-zero status, or could not be started.
    case exitStatus = "exit_status"
    /// A command was killed by a signal.
    case signal
    /// The recipe's (or its fan-out's) timeout ran out, or `wait` gave up.
    case timeout
    /// The host could not be reached or identified.
    case hostUnavailable = "host_unavailable"
    /// A `put`, `get`, `pack` or `unpack` failed.
    case transfer
    /// The recipe succeeded but did not write a declared output.
    case missingOutput = "missing_output"
    /// The artifact cache failed the target.
    case cache
    /// Anything else (a state file that cannot be read, a reference that cannot be expanded).
    case other
}
