/// A state file: `key=value` lines a recipe writes and people may read and edit.
/// Blank lines and lines starting with `#` are ignored; the last value of a key wins.
public enum StateFile {
    public struct ParseError: Error, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var text: String
        public var description: String { "\(path):\(line): expected key=value, found '\(text)'" }
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        var number = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let line = String(decoding: raw, as: UTF8.self).trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ParseError(path: path, line: number, text: line)
            }
            let key = String(line[..<eq]).trimmingCharacters()
            values[key] = String(line[line.index(after: eq)...]).trimmingCharacters()
        }
        return values
    }
}

extension String {
    /// Without leading and trailing blanks and carriage returns.
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
