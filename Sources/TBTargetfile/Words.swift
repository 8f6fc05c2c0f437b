/// Lists of names as make reads them: words separated by blanks, where a backslash
/// before a blank keeps the blank in the word (`vm\ images/disk.img`).
public enum Words {
    /// `text` split at blanks (space, tab, newline) that no backslash escapes, each
    /// escaped blank kept without its backslash; no empty word.
    public static func split(_ text: String) -> [String] {
        read(text, splitting: true)
    }

    /// `names` as one list that `split` takes apart again (blanks in a name escaped).
    public static func join(_ names: [String]) -> String {
        names.map { name in
            guard name.utf8.contains(where: isBlank) else { return name }
            var escaped = ""
            for c in name.unicodeScalars {
                if c == " " || c == "\t" || c == "\n" { escaped += "\\" }
                escaped.unicodeScalars.append(c)
            }
            return escaped
        }.joined(separator: " ")
    }

    /// `text` with each backslash-escaped blank replaced by the blank (one path, not a list).
    public static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
        return read(text, splitting: false).first ?? ""
    }

    /// The words of `text` (all of it one word unless `splitting`), escapes taken away.
    private static func read(_ text: String, splitting: Bool) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        var escaped = false
        for b in text.utf8 {
            if escaped {
                if !isBlank(b) { word.append(UInt8(ascii: "\\")) }
                word.append(b)
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if splitting && isBlank(b) {
                if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
                word.removeAll(keepingCapacity: true)
            } else {
                word.append(b)
            }
        }
        if escaped { word.append(UInt8(ascii: "\\")) }
        if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
        return words
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0a }
}
