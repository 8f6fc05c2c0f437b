#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a directory output holds: every entry under its top, sorted by path bytes, with
/// its permission bits and a file's content digest or a symlink's target. Its text
/// (`encoded()`) is versioned; its SHA-256 is the output's digest, and the artifact
/// cache keeps that text as an object, so a tree is restored from its digest alone.
public struct TreeListing: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case file(Digest)
        case directory
        case symlink(target: String)
    }

    public struct Entry: Equatable, Sendable {
        /// Relative to the tree's top, '/'-separated.
        public var path: String
        /// Permission bits (`mode & 0o7777`).
        public var mode: UInt32
        public var kind: Kind

        public init(path: String, mode: UInt32, kind: Kind) {
            self.path = path
            self.mode = mode & 0o7777
            self.kind = kind
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    static let signature = "tbmake tree 1"

    /// One line per entry: `f MODE HEX PATH`, `d MODE - PATH`, `l MODE TARGET PATH`,
    /// tab-separated, with `\\`, tab and newline escaped in paths and targets.
    public func encoded() -> [UInt8] {
        var text = TreeListing.signature + "\n"
        for entry in entries {
            let mode = String(entry.mode, radix: 8)
            switch entry.kind {
            case .file(let digest): text += "f\t\(mode)\t\(digest.hex)\t"
            case .directory: text += "d\t\(mode)\t-\t"
            case .symlink(let target): text += "l\t\(mode)\t\(TreeListing.escape(target))\t"
            }
            text += TreeListing.escape(entry.path) + "\n"
        }
        return Array(text.utf8)
    }

    /// The tree's digest: SHA-256 of `encoded()`.
    public var digest: Digest { SHA256.digest(encoded()) }

    /// Parses `encoded()` text; nil when it is not one (another version, a corrupt
    /// object), or when a path would leave the tree (absolute, `..`, empty components).
    public static func decode(_ bytes: [UInt8]) -> TreeListing? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(signature), lines.last == "" else { return nil }
        var entries: [Entry] = []
        for line in lines.dropFirst().dropLast() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4, let mode = UInt32(fields[1], radix: 8), let path = unescape(fields[3]),
                  isSafe(path) else { return nil }
            switch fields[0] {
            case "f":
                guard let digest = Digest(hex: String(fields[2])) else { return nil }
                entries.append(Entry(path: path, mode: mode, kind: .file(digest)))
            case "d": entries.append(Entry(path: path, mode: mode, kind: .directory))
            case "l":
                guard let target = unescape(fields[2]) else { return nil }
                entries.append(Entry(path: path, mode: mode, kind: .symlink(target: target)))
            default: return nil
            }
        }
        return TreeListing(entries: entries)
    }

    private static func isSafe(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false)
            .contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    private static func escape(_ text: String) -> String {
        var result = ""
        for c in text {
            switch c {
            case "\\": result += "\\\\"
            case "\t": result += "\\t"
            case "\n": result += "\\n"
            default: result.append(c)
            }
        }
        return result
    }

    private static func unescape(_ text: Substring) -> String? {
        var result = ""
        var escaping = false
        for c in text {
            if escaping {
                switch c {
                case "\\": result.append("\\")
                case "t": result.append("\t")
                case "n": result.append("\n")
                default: return nil
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                result.append(c)
            }
        }
        return escaping ? nil : result
    }
}
