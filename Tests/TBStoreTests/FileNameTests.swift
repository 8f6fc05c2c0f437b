import Testing
import TBStore

@Suite struct FileNameTests {
    @Test func utf8NamesAreTheirText() {
        for name in ["plain", "tree/sub/é", "réseau.tmpl", "中文/名前", "😀.txt", "e\u{301}", "a%b"] {
            #expect(FileName.string(Array(name.utf8)) == name)
            #expect(FileName.bytes(name) == Array(name.utf8))
            #expect(FileName.cString(name) == Array(name.utf8).map { CChar(bitPattern: $0) } + [0])
        }
    }

    @Test func bytesThatAreNotUTF8RoundTrip() {
        let cases: [[UInt8]] = [
            [0x72, 0xE9, 0x73, 0x65, 0x61, 0x75],     // "réseau" in Latin-1
            [0xE9],
            [0xC3],                                   // a UTF-8 lead byte alone
            [0xC3, 0xA9, 0xE9],                       // UTF-8 é, then Latin-1 é
            [0xED, 0xA0, 0x80],                       // an encoded surrogate
            [0xC0, 0xAF],                             // an overlong '/'
            [0xF4, 0x8F, 0xBE, 0xA9],                 // UTF-8 of U+10FFA9, the range standing for bytes
            [0xFF, 0xFE, 0x2F, 0x80],
        ]
        for bytes in cases {
            let name = FileName.string(bytes)
            #expect(FileName.bytes(name) == bytes, "\(bytes)")
        }
        #expect(FileName.string([0x72, 0xE9]) != FileName.string([0x72, 0xC3, 0xA9]))
        #expect(FileName.string([0x72, 0xE9]).unicodeScalars.map(\.value) == [0x72, 0x10FFE9])
        #expect(FileName.string([0xF4, 0x8F, 0xBE, 0xA9]).unicodeScalars.map(\.value) == [0x10FFF4, 0x10FF8F, 0x10FFBE, 0x10FFA9])
    }

    @Test func everyByteStringRoundTrips() {
        var state: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<5000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let count = Int(state % 12) + 1
            var bytes: [UInt8] = []
            for k in 0..<count {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let byte = UInt8(truncatingIfNeeded: state >> 8)
                bytes.append(byte == 0 ? UInt8(k + 1) : byte)
            }
            #expect(FileName.bytes(FileName.string(bytes)) == bytes, "\(bytes)")
        }
    }

    @Test func printableEscapesWhatDrivesATerminal() {
        #expect(printable("a/\u{1b}[2J\u{1b}[31mFAKE\ntbmake: ran 1") == "a/\\e[2J\\e[31mFAKE\\ntbmake: ran 1")
        #expect(printable("tab\there\r\u{7f}\u{1}") == "tab\\there\\r\\x7F\\x01")
        #expect(printable("csi\u{9b}31m") == "csi\\u{009B}31m")
        #expect(printable("rtl\u{202e}gnp.exe") == "rtl\\u{202E}gnp.exe")
        #expect(printable(FileName.string([0x72, 0xE9, 0x73])) == "r\\xE9s")
        let unchanged = "tree/sub/é 中文 😀 👩‍👩‍👧 back\\slash 100% 'quoted'"
        #expect(printable(unchanged) == unchanged)
    }
}
