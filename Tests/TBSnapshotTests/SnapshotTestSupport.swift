import Foundation
import TBStore
@testable import TBSnapshot

/// A fresh directory under /tmp, removed with everything in it when released.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/tbsnapshot-test.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { DirectoryListing.removeTree(path) }

    func file(_ name: String) -> String { path + "/" + name }
}

func makeDirectory(_ path: String, mode: mode_t = 0o755) {
    precondition(mkdir(FileName.cString(path), 0o700) == 0 || errno == EEXIST, "mkdir \(path): \(errno)")
    precondition(chmod(FileName.cString(path), mode) == 0)
}

func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) {
    let fd = open(FileName.cString(path), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "open \(path): \(errno)")
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    precondition(written == bytes.count, "write \(path)")
    precondition(fchmod(fd, mode) == 0)
}

func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) {
    writeFile(path, Array(text.utf8), mode: mode)
}

/// `count` bytes that compress somewhat, like real files: derived from `seed`.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E3779B97F4A7C15 | 1
    var bytes = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let word = state
        for k in 0..<8 where i + k < count {
            bytes[i + k] = UInt8(truncatingIfNeeded: word >> (8 * k)) & 0x3f | 0x20
        }
        i += 8
    }
    return bytes
}

/// Runs a program; returns status, stdout and stderr.
@discardableResult
func run(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errorData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

/// Every entry under `root` as one line "path type mode detail", sorted: files with their
/// SHA-256 and size, symlinks with their target. Owners with `owners: true`.
func listing(_ root: String, owners: Bool = false) -> [String] {
    var lines: [String] = []
    func walk(_ relative: String) {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        let names = (try? FileManager.default.contentsOfDirectory(atPath: absolute)) ?? []
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            precondition(lstat(root + "/" + path, &st) == 0)
            let mode = octal(UInt32(st.st_mode))
            let owner = owners ? " \(st.st_uid):\(st.st_gid)" : ""
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                lines.append("\(path) dir \(mode)\(owner)")
                walk(path)
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + path)) ?? "?"
                lines.append("\(path) symlink -> \(target)\(owner)")
            case S_IFREG:
                let digest = (try? SHA256.digest(fileAt: root + "/" + path).hex) ?? "?"
                lines.append("\(path) file \(mode) \(st.st_size) \(digest)\(owner)")
            default:
                lines.append("\(path) other \(mode)\(owner)")
            }
        }
    }
    walk("")
    return lines.sorted()
}

func fileBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

func fileMode(_ path: String) -> UInt32 {
    var st = stat()
    precondition(lstat(path, &st) == 0, "lstat \(path)")
    return UInt32(st.st_mode) & 0o7777
}

/// A fake xCAT management node under `root`: rpms, a db dump, tftpboot with initrd and
/// kernel files (to exclude), a diskless rootimg (to exclude), /etc/xcat with 0600 keys,
/// a symlink inside the tree and an empty directory.
func makeManagementNode(_ root: String) {
    for dir in ["install", "install/xcat", "install/xcat/rpms", "install/custom", "install/netboot",
                "install/netboot/rhels9", "install/netboot/rhels9/x86_64", "install/netboot/rhels9/x86_64/compute",
                "install/netboot/rhels9/x86_64/compute/rootimg", "install/netboot/rhels9/x86_64/compute/rootimg/etc",
                "install/postscripts", "install/empty", "tftpboot", "tftpboot/xcat", "tftpboot/xcat/osimage",
                "etc", "etc/xcat", "etc/xcat/cert", "etc/dhcp", "var", "var/lib", "var/lib/xcatdb"] {
        makeDirectory(root + "/" + dir)
    }
    for (i, name) in ["xCAT-2.16.5-1.noarch.rpm", "xCAT-server-2.16.5-1.noarch.rpm", "perl-xCAT-2.16.5-1.noarch.rpm"].enumerated() {
        writeFile(root + "/install/xcat/rpms/" + name, pseudoRandomBytes(40_000 + i * 7_001, seed: UInt64(i + 1)))
    }
    writeFile(root + "/install/custom/compute.pkglist", "bash\nopenssh-server\n")
    writeFile(root + "/install/postscripts/confignetwork", "#!/bin/sh\necho configure\n", mode: 0o755)
    writeFile(root + "/install/netboot/rhels9/x86_64/compute/initrd-stateless.gz", pseudoRandomBytes(5000, seed: 9))
    writeFile(root + "/install/netboot/rhels9/x86_64/compute/kernel", pseudoRandomBytes(3000, seed: 10))
    writeFile(root + "/install/netboot/rhels9/x86_64/compute/rootimg/etc/passwd", "root:x:0:0::/root:/bin/bash\n")
    writeFile(root + "/install/netboot/rhels9/x86_64/compute/compute.pkglist", "bash\n")
    writeFile(root + "/tftpboot/xcat/osimage/initrd.img", pseudoRandomBytes(4000, seed: 11))
    writeFile(root + "/tftpboot/xcat/osimage/kernel.bin", pseudoRandomBytes(4000, seed: 12))
    writeFile(root + "/tftpboot/xcat/xnba.kpxe", pseudoRandomBytes(2000, seed: 13))
    writeFile(root + "/etc/xcat/cfgloc", "SQLite:/etc/xcat\n", mode: 0o600)
    writeFile(root + "/etc/xcat/cert/server-key.pem", "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n", mode: 0o600)
    writeFile(root + "/etc/xcat/cert/server-cert.pem", "-----BEGIN CERTIFICATE-----\npublic\n-----END CERTIFICATE-----\n")
    precondition(symlink("cert/server-cert.pem", root + "/etc/xcat/ca.pem") == 0)
    writeFile(root + "/etc/dhcp/dhcpd.conf", "subnet 10.0.0.0 netmask 255.255.0.0 {}\n")
    writeFile(root + "/etc/hosts", "127.0.0.1 localhost\n")
    for table in ["site", "nodelist", "networks", "passwd"] {
        writeFile(root + "/var/lib/xcatdb/\(table).csv", "#key,value,comments,disable\n\"\(table)\",\"1\",,\n")
    }
}

let managementNodePaths = ["install", "tftpboot", "etc/xcat", "etc/dhcp", "var/lib/xcatdb"]

/// A fake management node made in `work`/mn; returns that path.
func makeManagementNode(in work: TemporaryDirectory) -> String {
    let root = work.file("mn")
    makeDirectory(root)
    makeManagementNode(root)
    return root
}

/// A fake management node made in `work`/mn and exported (`managementNodePaths`, no
/// excludes) as `work`/snap.<format> with `work`/snap.manifest.
func exportManagementNode(in work: TemporaryDirectory, format: SnapshotFormat) throws -> (archive: String, manifestPath: String, manifest: Manifest) {
    let source = makeManagementNode(in: work)
    let archive = work.file("snap.\(format.fileExtension)"), manifestPath = work.file("snap.manifest")
    let manifest = try Snapshot.export(SnapshotSpec(root: source, paths: managementNodePaths, format: format), archive: archive, manifest: manifestPath)
    return (archive, manifestPath, manifest)
}
let xcatExcludes = ["**/initrd*", "**/kernel*", "**/rootimg/**"]

/// `lines` without those whose path (first word) matches one of `patterns`, or is under one.
func withoutExcluded(_ lines: [String], _ patterns: [String]) -> [String] {
    let compiled = patterns.map(ExcludePattern.init)
    return lines.filter { line in
        let path = String(line.split(separator: " ")[0])
        let prefixes = EntryPath.ancestors(path) + [path]
        return !prefixes.contains { p in compiled.contains { $0.matches(p) } }
    }
}
