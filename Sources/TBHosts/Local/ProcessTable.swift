import Glibc

/// Reads Linux's /proc to tell running processes from zombies.
enum ProcessTable {
    /// Whether a process of group `pgid` is running (not a zombie); nil if /proc
    /// cannot be read.
    static func hasLiveMember(ofGroup pgid: pid_t) -> Bool? {
        guard let directory = opendir("/proc") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9"),
                  let (state, group) = stateAndGroup(ofProcess: name)
            else { continue }
            if group == pgid && state != "Z" && state != "X" { return true }
        }
        return false
    }

    /// Fields 3 (state) and 5 (pgrp) of /proc/<pid>/stat. The command name (field 2)
    /// may contain spaces and parentheses, so fields are counted after the last ')'.
    static func stateAndGroup(ofProcess pid: String) -> (Character, pid_t)? {
        let fd: FileDescriptor
        switch FileDescriptor.open("/proc/\(pid)/stat", O_RDONLY) {
        case .success(let opened): fd = opened
        case .failure: return nil
        }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { bytes in
            retryingInterrupts { read(fd.rawValue, bytes.baseAddress, bytes.count) }
        }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first, let group = pid_t(fields[2]) else { return nil }
        return (state, group)
    }
}
