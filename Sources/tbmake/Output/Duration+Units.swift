extension Duration {
    /// The whole number of units of 1/`perSecond` s it lasts: `perSecond: 1000` gives
    /// milliseconds, `10` tenths of a second.
    func whole(perSecond: Int64) -> Int64 {
        components.seconds * perSecond + components.attoseconds / (1_000_000_000_000_000_000 / perSecond)
    }
}
