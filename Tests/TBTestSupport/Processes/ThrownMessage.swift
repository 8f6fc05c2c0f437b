/// What `body` throws, as the one line a user would see; "no error" if it returns.
public func thrownMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}
