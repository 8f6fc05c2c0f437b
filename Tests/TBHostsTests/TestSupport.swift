import Foundation
import TBEngine
import TBHosts
import XCTest

/// Collects everything a run writes, from whichever thread.
final class CapturingSink: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func write(_ chunk: UnsafeRawBufferPointer) {
        lock.lock()
        bytes.append(contentsOf: chunk)
        lock.unlock()
    }

    var data: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }

    var text: String { String(decoding: data, as: UTF8.self) }
}

/// A fresh directory under /tmp, removed (with everything in it) on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/tbhosts-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno)!) }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ contents: String, mode: mode_t = 0o644) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        XCTAssertEqual(chmod(full, mode), 0)
    }
}

func readText(_ path: String) throws -> String {
    try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
}

func permissions(_ path: String) -> mode_t {
    var status = stat()
    XCTAssertEqual(lstat(path, &status), 0, "lstat \(path)")
    return status.st_mode & 0o7777
}

func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

func entries(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
}
