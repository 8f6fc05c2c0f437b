import TBStore

/// The manifest's text form, version 1. UTF-8, '\n'-terminated lines, fields separated by
/// one tab:
///
///     tbmake snapshot manifest 1
///     format	tar.gz                 tar | tar.gz | tar.zst
///     mtime	0                      the mtime every entry carries
///     owners	normalize              normalize (all 0:0) | preserve
///     root	etc/xcat               one line per captured path
///     <type>	<mode>	<uid>:<gid>	<size>	<sha256>	<path>	<extra>
///     ...                            one line per entry, sorted by path bytes
///     end	<number of entries>
///
/// `type` is file, dir, symlink, char, block or fifo; `mode` four octal digits (setuid,
/// setgid and sticky included); `size` the content size (0 but for files); `sha256` 64
/// lowercase hex digits for files, `-` otherwise; `extra` the symlink target, `major,minor`
/// for devices, `-` otherwise. Names are bytes: in `path` and `extra`, '%', control
/// characters, DEL and every byte that is not part of valid UTF-8 (a Latin-1 name) are
/// written `%XX`, and a value that is exactly `-` is written `%2D`; so the manifest is
/// UTF-8 text and each line names exactly one byte string. The `end` line makes a
/// truncated manifest detectable.
extension Manifest {
    public static let signature = "tbmake snapshot manifest 1"

    /// The text form.
    public func encoded() -> String {
        var out = Manifest.signature + "\n"
        out += "format\t\(format.rawValue)\n"
        out += "mtime\t\(mtime)\n"
        out += "owners\t\(owners.rawValue)\n"
        for root in roots { out += "root\t\(escape(root))\n" }
        for e in entries {
            let extra: String
            switch e.type {
            case .symlink: extra = escape(e.linkTarget)
            case .characterDevice, .blockDevice: extra = "\(e.deviceMajor),\(e.deviceMinor)"
            default: extra = "-"
            }
            out += "\(e.type.rawValue)\t\(octal(e.mode))\t\(e.uid):\(e.gid)\t\(e.size)\t\(e.digest?.hex ?? "-")\t\(escape(e.path))\t\(extra)\n"
        }
        out += "end\t\(entries.count)\n"
        return out
    }

    /// Parses and validates a manifest read from `path` (named in errors): entries sorted
    /// and unique, every entry's parent directory listed, every root listed.
    public static func parse(_ text: String, path: String) throws(SnapshotError) -> Manifest {
        // Split on bytes, not Characters: '\n' and '\t' are ASCII, and grapheme breaking
        // of a 12,000-line manifest was a visible part of an import.
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Substring($0) }
        guard let first = lines.first, first == Manifest.signature else {
            throw .unsupportedManifest(path: path, found: String(lines.first ?? "").prefix(80).description)
        }
        var format: SnapshotFormat?
        var mtime: Int64?
        var owners: OwnerPolicy?
        var roots: [String] = []
        var entries: [ManifestEntry] = []
        var ended = false
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            func bad(_ reason: String) -> SnapshotError { .invalidManifest(path: path, line: number, reason: reason) }
            if line.isEmpty && index == lines.count - 1 { break }
            if ended { throw bad("text after the end line") }
            let fields = line.utf8.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { Substring($0) }
            switch fields[0] {
            case "format":
                guard fields.count == 2, let f = SnapshotFormat(rawValue: String(fields[1])) else { throw bad("unknown format") }
                format = f
            case "mtime":
                guard fields.count == 2, let m = Int64(fields[1]) else { throw bad("bad mtime") }
                mtime = m
            case "owners":
                guard fields.count == 2, let o = OwnerPolicy(rawValue: String(fields[1])) else { throw bad("bad owners") }
                owners = o
            case "root":
                guard fields.count == 2, let root = unescape(fields[1]), EntryPath.isValid(root) else { throw bad("bad root") }
                roots.append(root)
            case "end":
                guard fields.count == 2, Int(fields[1]) == entries.count else { throw bad("end line does not match the \(entries.count) entries") }
                ended = true
            default:
                guard let type = EntryType(rawValue: String(fields[0])) else { throw bad("unknown line '\(fields[0].prefix(20))'") }
                guard fields.count == 7 else { throw bad("expected 7 fields, found \(fields.count)") }
                guard let mode = UInt32(fields[1], radix: 8), mode <= 0o7777 else { throw bad("bad mode") }
                let owner = fields[2].split(separator: ":")
                guard owner.count == 2, let uid = Int64(owner[0]), let gid = Int64(owner[1]), uid >= 0, gid >= 0 else { throw bad("bad owner") }
                guard let size = Int64(fields[3]), size >= 0, type == .file || size == 0 else { throw bad("bad size") }
                var digest: Digest?
                if type == .file {
                    guard let d = Digest(lowercaseHex: String(fields[4])) else { throw bad("bad sha256") }
                    digest = d
                } else if fields[4] != "-" {
                    throw bad("sha256 on a \(type.rawValue)")
                }
                guard let entryPath = unescape(fields[5]) else { throw bad("bad path") }
                if let reason = EntryPath.unsafeReason(entryPath) { throw bad("refusing entry '\(entryPath)': \(reason)") }
                var entry = ManifestEntry(path: entryPath, type: type, mode: mode, uid: uid, gid: gid, size: size, digest: digest)
                switch type {
                case .symlink:
                    guard let target = unescape(fields[6]), !target.isEmpty, fields[6] != "-" else { throw bad("bad symlink target") }
                    entry.linkTarget = target
                case .characterDevice, .blockDevice:
                    let numbers = fields[6].split(separator: ",")
                    guard numbers.count == 2, let major = UInt32(numbers[0]), let minor = UInt32(numbers[1]) else { throw bad("bad device numbers") }
                    entry.deviceMajor = major
                    entry.deviceMinor = minor
                default:
                    guard fields[6] == "-" else { throw bad("unexpected last field") }
                }
                if let previous = entries.last, !EntryPath.precedes(previous.path, entryPath) {
                    throw bad("entries not sorted or duplicated at '\(entryPath)'")
                }
                entries.append(entry)
            }
        }
        guard ended else { throw .invalidManifest(path: path, line: 0, reason: "truncated (no end line)") }
        guard let format, let mtime, let owners else {
            throw .invalidManifest(path: path, line: 0, reason: "missing format, mtime or owners line")
        }
        var types: [String: EntryType] = [:]
        for entry in entries {
            if let parent = EntryPath.parent(entry.path), types[parent] != .directory {
                throw .invalidManifest(path: path, line: 0, reason: "'\(entry.path)' has no parent directory entry")
            }
            types[entry.path] = entry.type
        }
        for root in roots where types[root] == nil {
            throw .invalidManifest(path: path, line: 0, reason: "root '\(root)' has no entry")
        }
        return Manifest(format: format, mtime: mtime, owners: owners, roots: roots, entries: entries)
    }
}

/// `value` (a `FileName` string) as a manifest field.
private func escape(_ value: String) -> String {
    if value == "-" { return "%2D" }
    // 0xF4 leads the UTF-8 of the scalars standing for bytes that are not UTF-8.
    let special = { (byte: UInt8) in byte < 0x20 || byte == 0x7f || byte == UInt8(ascii: "%") || byte == 0xF4 }
    guard value.utf8.contains(where: special) else { return value }
    var out = ""
    let hex = Array("0123456789ABCDEF".utf8)
    func append(byte: UInt8) {
        out.unicodeScalars.append(contentsOf: [Unicode.Scalar(UInt8(ascii: "%")), Unicode.Scalar(hex[Int(byte >> 4)]), Unicode.Scalar(hex[Int(byte & 15)])])
    }
    for scalar in value.unicodeScalars {
        if FileName.isRawByte(scalar) {
            append(byte: FileName.bytes(String(scalar))[0])
        } else if scalar.value < 0x20 || scalar.value == 0x7f || scalar == "%" {
            append(byte: UInt8(scalar.value))
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Undoes `escape`: the `FileName` string of the bytes written; nil for a malformed `%`
/// sequence.
private func unescape(_ value: Substring) -> String? {
    guard value.utf8.contains(UInt8(ascii: "%")) else { return String(value) }
    var out: [UInt8] = []
    var bytes = value.utf8.makeIterator()
    func nibble(_ b: UInt8?) -> UInt8? {
        guard let b else { return nil }
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    while let b = bytes.next() {
        if b == UInt8(ascii: "%") {
            guard let hi = nibble(bytes.next()), let lo = nibble(bytes.next()) else { return nil }
            out.append(hi << 4 | lo)
        } else {
            out.append(b)
        }
    }
    return FileName.string(out)
}
