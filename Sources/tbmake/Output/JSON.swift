/// The few JSON values tbmake prints, one object per line.
enum JSON {
    enum Value {
        case string(String)
        case int(Int64)
    }

    static func line(_ fields: KeyValuePairs<String, Value>) -> String {
        var text = "{"
        var first = true
        for (key, value) in fields {
            if !first { text += "," }
            first = false
            text += quote(key) + ":"
            switch value {
            case .string(let s): text += quote(s)
            case .int(let n): text += String(n)
            }
        }
        return text + "}\n"
    }

    static func quote(_ s: String) -> String { "\"" + escaped(s) + "\"" }

    /// The content of a JSON string holding `s`, without its quotes.
    @Sendable static func escaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
