import Glibc
import TBStore
import XCTest

/// A tree whose names are bytes of every kind: é, CJK, emoji, a name in Latin-1 bytes
/// (0xE9, not UTF-8) for a file, a directory and a symlink's target. Made and read with
/// system calls on the names' bytes (`FileName`), not through Foundation.
enum NameTree {
    /// "réseau" in Latin-1.
    static let latin1 = FileName.string([0x72, 0xE9, 0x73, 0x65, 0x61, 0x75])

    static func make(_ root: String) {
        for directory in ["", "/sub", "/中文", "/" + latin1 + ".d"] {
            XCTAssertEqual(mkdir(FileName.cString(root + directory), 0o755), 0, "mkdir \(printable(directory))")
        }
        for (name, content) in [("sub/é", "accent"), ("réseau.tmpl", "template"), ("中文/名前", "cjk"), ("😀", "emoji"),
                                (latin1, "latin-1"), (latin1 + ".d/in", "inside")] {
            let fd = open(FileName.cString(root + "/" + name), O_WRONLY | O_CREAT | O_EXCL, 0o640)
            XCTAssertGreaterThanOrEqual(fd, 0, "create \(printable(name))")
            XCTAssertEqual(write(fd, content, content.utf8.count), content.utf8.count)
            close(fd)
        }
        XCTAssertEqual(symlink(FileName.cString(latin1), FileName.cString(root + "/link")), 0)
    }

    /// What `make` writes, as `describe` reads it.
    static let expected = [
        "link -> r\\xE9seau",
        "réseau.tmpl file 0640 template",
        "r\\xE9seau file 0640 latin-1",
        "r\\xE9seau.d dir 0755",
        "r\\xE9seau.d/in file 0640 inside",
        "sub dir 0755",
        "sub/é file 0640 accent",
        "中文 dir 0755",
        "中文/名前 file 0640 cjk",
        "😀 file 0640 emoji",
    ]

    /// Every entry under `root`, one line each, names `printable`, in byte order.
    static func describe(_ root: String) -> [String] {
        var lines: [(bytes: [UInt8], text: String)] = []
        func walk(_ relative: String) {
            let directory = relative.isEmpty ? root : root + "/" + relative
            guard let handle = opendir(FileName.cString(directory)) else {
                XCTFail("cannot list \(printable(directory))")
                return
            }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { FileName.string($0.prefix { $0 != 0 }) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(handle)
            for name in names {
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + path
                var status = stat()
                XCTAssertEqual(lstat(FileName.cString(full), &status), 0)
                let mode = String(status.st_mode & 0o7777, radix: 8)
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    lines.append((FileName.bytes(path), "\(printable(path)) dir 0\(mode)"))
                    walk(path)
                case S_IFLNK:
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = buffer.withUnsafeMutableBytes { readlink(FileName.cString(full), $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
                    lines.append((FileName.bytes(path), "\(printable(path)) -> \(printable(FileName.string(buffer[..<max(n, 0)])))"))
                default:
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let fd = open(FileName.cString(full), O_RDONLY)
                    let n = read(fd, &buffer, 4096)
                    close(fd)
                    lines.append((FileName.bytes(path), "\(printable(path)) file 0\(mode) \(String(decoding: buffer[..<max(n, 0)], as: UTF8.self))"))
                }
            }
        }
        walk("")
        return lines.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map(\.text)
    }
}
