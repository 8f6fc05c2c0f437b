/// A name from outside tbmake (a command-line word, a file name, a variable's value) as
/// an error message shows it: control characters as visible escapes (`\n`, `\t`, `\r`,
/// `\e`, `\xHH`), so that the message stays one line and cannot drive the terminal.
public enum DisplayName {
    public static func escaped(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: isControl) else { return name }
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x1B: out += "\\e"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7F }
}
