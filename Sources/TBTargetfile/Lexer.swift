/// Splits a Targetfile into logical lines: joins `\`-continued lines, strips comments
/// (`#` at the start of a line or after a blank, outside quotes; `\#` is a literal `#`).
enum Lexer {
    static func lines(of source: String, file: String) -> [LogicalLine] {
        var result: [LogicalLine] = []
        var pending: [UInt8] = []      // bytes of a line continued with `\`
        var pendingStart = 0           // line number where `pending` started
        var lineNumber = 0
        source.utf8.withContiguousStorageIfAvailable { buf in
            lex(buf, file: file, into: &result, pending: &pending, pendingStart: &pendingStart, lineNumber: &lineNumber)
        } ?? {
            let bytes = Array(source.utf8)
            bytes.withUnsafeBufferPointer { buf in
                lex(buf, file: file, into: &result, pending: &pending, pendingStart: &pendingStart, lineNumber: &lineNumber)
            }
        }()
        return result
    }

    private static func lex(_ buf: UnsafeBufferPointer<UInt8>, file: String, into result: inout [LogicalLine],
                            pending: inout [UInt8], pendingStart: inout Int, lineNumber: inout Int) {
        var start = 0
        let n = buf.count
        while start < n || !pending.isEmpty {
            var end = start
            while end < n && buf[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && buf[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let slice = UnsafeBufferPointer(rebasing: buf[start..<lineEnd])
            let continued = lineEnd > start && buf[lineEnd - 1] == UInt8(ascii: "\\")
                && !(lineEnd - 1 > start && buf[lineEnd - 2] == UInt8(ascii: "\\"))
            if continued {
                if pending.isEmpty {
                    pendingStart = lineNumber
                    pending.append(contentsOf: slice.dropLast())
                } else {   // a middle continuation line: strip its leading blanks as for the last one
                    pending.append(contentsOf: slice.dropLast().drop { $0 == 0x20 || $0 == 0x09 })
                }
                pending.append(UInt8(ascii: " "))
                start = end + 1
                if start >= n { // file ends inside a continuation
                    emit(pending[...], line: pendingStart, file: file, into: &result)
                    pending.removeAll()
                }
                continue
            }
            if !pending.isEmpty {
                // A continued line: strip the leading blanks of the continuation.
                var s = slice.startIndex
                while s < slice.endIndex && (slice[s] == 0x20 || slice[s] == 0x09) { s += 1 }
                pending.append(contentsOf: slice[s...])
                emit(pending[...], line: pendingStart, file: file, into: &result)
                pending.removeAll(keepingCapacity: true)
            } else {
                emit(slice, line: lineNumber, file: file, into: &result)
            }
            start = end + 1
            if end >= n { break }
        }
    }

    private static func emit<C: Collection>(_ raw: C, line: Int, file: String, into result: inout [LogicalLine])
        where C.Element == UInt8, C.Index == Int {
        var i = raw.startIndex
        while i < raw.endIndex && (raw[i] == 0x20 || raw[i] == 0x09) { i += 1 }
        let indented = i > raw.startIndex
        if i == raw.endIndex { return }   // blank line
        let column = i - raw.startIndex + 1
        if raw[i] == UInt8(ascii: "#") {
            var c = i
            while c < raw.endIndex && raw[c] == UInt8(ascii: "#") { c += 1 }
            let text = String(decoding: raw[c...], as: UTF8.self)
            result.append(LogicalLine(text: "", location: SourceLocation(file: file, line: line, column: column),
                                      indented: indented, comment: text.trimmingBlanks()))
            return
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.endIndex - i)
        var quote: UInt8 = 0
        var previous: UInt8 = 0x20
        var j = i
        while j < raw.endIndex {
            let b = raw[j]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                quote = b
            } else if b == UInt8(ascii: "\\") && j + 1 < raw.endIndex && raw[j + 1] == UInt8(ascii: "#") {
                out.append(UInt8(ascii: "#")); previous = UInt8(ascii: "#"); j += 2; continue
            } else if b == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) {
                break
            }
            out.append(b)
            previous = b
            j += 1
        }
        while let last = out.last, last == 0x20 || last == 0x09 { out.removeLast() }
        if out.isEmpty { return }
        result.append(LogicalLine(text: Substring(String(decoding: out, as: UTF8.self)),
                                  location: SourceLocation(file: file, line: line, column: column),
                                  indented: indented, comment: nil))
    }

    /// Bytes allowed in variable names: letters, digits, `_`, `-`.
    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// Bytes allowed in target names: a name's, plus `.`, `@`, `/`.
    static func isTargetNameByte(_ b: UInt8) -> Bool {
        isNameByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "@") || b == UInt8(ascii: "/")
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        String(Substring(self).trimmingBlanks())
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
