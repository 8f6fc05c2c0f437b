/// Durations as the Targetfile writes them (`90s`, `5m`, `1h`, `250ms`, `300`), for
/// command-line options that take one.
public enum DurationText {
    /// Seconds, or nil for text that is not a positive duration of at most 30 days.
    public static func seconds(_ text: String) -> Double? {
        Parser.duration(Substring(text))
    }
}
