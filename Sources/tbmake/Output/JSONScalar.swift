/// A JSON value of one of the kinds tbmake's JSON output holds, for fields whose set
/// varies (`--json` events, `--trace` args): text, an integer or a boolean.
enum JSONScalar: Encodable, Equatable {
    case text(String)
    case number(Int64)
    case flag(Bool)

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .flag(let flag): try container.encode(flag)
        }
    }
}
