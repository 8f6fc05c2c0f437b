import Foundation
import XCTest

/// The real tbmake binary: `$TBMAKE_BIN`, else `<repo>/.build/debug/tbmake`
/// (`scripts/test` runs `swift build` before `swift test`, so it exists).
enum TBMakeBinary {
    static let repositoryRoot: String = {
        // <repo>/Tests/EndToEndTests/Support.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    static func path() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["TBMAKE_BIN"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw EndToEndError("TBMAKE_BIN=\(configured) is not an executable file")
            }
            return configured
        }
        let built = repositoryRoot + "/.build/debug/tbmake"
        guard FileManager.default.isExecutableFile(atPath: built) else {
            throw EndToEndError("no tbmake binary: \(built) does not exist and TBMAKE_BIN is not set; "
                                + "run `swift build` first (scripts/test does) or set TBMAKE_BIN")
        }
        return built
    }

    /// The demo needs `rpmbuild` and `rpm`, both from the Debian package `rpm`.
    static func requireRPM() throws {
        for tool in ["rpmbuild", "rpm"] where which(tool) == nil {
            throw EndToEndError("\(tool) not found in PATH: install the Debian package 'rpm' "
                                + "(apt-get install rpm, or ./scripts/setup --packages)")
        }
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A precondition of the end-to-end tests is missing; the message says what to do.
struct EndToEndError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What one tbmake invocation did.
struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)---" }

    /// The `--json` events, in order; fails the test if a line is not a JSON object.
    func events(file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        var result: [[String: Any]] = []
        for text in stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                XCTFail("not a JSON object: \(text)", file: file, line: line)
                continue
            }
            result.append(object)
        }
        return result
    }

    /// `target -> "decision: reason"` from the decision events; fails on a target decided twice.
    func decisions(file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        var result: [String: String] = [:]
        for event in events(file: file, line: line) where event["event"] as? String == "decision" {
            let target = event["target"] as? String ?? "?"
            let value = "\(event["decision"] as? String ?? "?"): \(event["reason"] as? String ?? "?")"
            XCTAssertNil(result[target], "\(target) decided twice", file: file, line: line)
            result[target] = value
        }
        return result
    }

    /// The targets that started, in the order they started.
    func started(file: StaticString = #filePath, line: UInt = #line) -> [String] {
        events(file: file, line: line).filter { $0["event"] as? String == "started" }
            .map { $0["target"] as? String ?? "?" }
    }

    /// The `finished` events: `target -> status`.
    func finished(file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        var result: [String: String] = [:]
        for event in events(file: file, line: line) where event["event"] as? String == "finished" {
            result[event["target"] as? String ?? "?"] = event["status"] as? String ?? "?"
        }
        return result
    }

    func summary(file: StaticString = #filePath, line: UInt = #line) -> [String: Any]? {
        guard let last = events(file: file, line: line).last, last["event"] as? String == "summary" else { return nil }
        return last
    }
}

/// A fresh project directory under /tmp, removed on deinit. `demo()` copies the
/// repository's Targetfile, rules/ and demo/; `init(targetfile:)` writes its own.
final class Project {
    let path: String

    private init() throws {
        var template = Array("/tmp/tbmake-e2e-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno)!) }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    static func demo() throws -> Project {
        let project = try Project()
        for item in ["Targetfile", "rules", "demo"] {
            try FileManager.default.copyItem(atPath: TBMakeBinary.repositoryRoot + "/" + item,
                                             toPath: project.path + "/" + item)
        }
        return project
    }

    convenience init(targetfile: String) throws {
        try self.init()
        try write("Targetfile", targetfile)
    }

    func url(_ relative: String) -> URL { URL(fileURLWithPath: path + "/" + relative) }

    func exists(_ relative: String) -> Bool {
        var status = stat()
        return lstat(path + "/" + relative, &status) == 0
    }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: url(relative)), as: UTF8.self)
    }

    func write(_ relative: String, _ contents: String) throws {
        let full = url(relative)
        try FileManager.default.createDirectory(at: full.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: full)
    }

    func append(_ relative: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: url(relative))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The environment tbmake runs with: ours, minus what would override the demo's
    /// `?=` defaults or move create-node's log.
    static func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["bonding", "builds", "version", "flavour", "CREATE_NODE_LOG"] { environment[name] = nil }
        return environment
    }

    /// Starts `tbmake -C <project> arguments...` with stdout and stderr going to files;
    /// `environment` is added to `Project.environment()`.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningTBMake {
        try RunningTBMake(binary: try TBMakeBinary.path(), arguments: ["-C", path] + arguments, environment: environment)
    }

    /// Runs `tbmake -C <project> arguments...` to completion.
    @discardableResult
    func tbmake(_ arguments: String...) throws -> RunResult {
        try start(arguments).wait()
    }

    /// Runs any program (not tbmake) with the project as working directory.
    func shell(_ command: String) throws -> RunResult {
        try RunningTBMake(binary: "/bin/sh", arguments: ["-c", command], directory: path).wait()
    }

    /// Every entry under the project (relative path, type, mode, size and sha256 for
    /// files, target for symlinks), sorted: equal snapshots mean an unchanged directory.
    func snapshot() throws -> [String] {
        var result: [String] = []
        var files: [(index: Int, path: String)] = []
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? path : path + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: full).sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard lstat(path + "/" + child, &status) == 0 else { throw EndToEndError("lstat \(child) failed") }
                let mode = String(status.st_mode & 0o7777, radix: 8)
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    result.append("d \(child) mode=\(mode)")
                    try walk(child)
                case S_IFREG:
                    files.append((result.count, child))
                    result.append("f \(child) mode=\(mode) size=\(status.st_size)")
                case S_IFLNK:
                    result.append("l \(child) -> \(try FileManager.default.destinationOfSymbolicLink(atPath: path + "/" + child))")
                default:
                    result.append("? \(child)")
                }
            }
        }
        try walk("")
        let digests = try sha256sum(files.map(\.path), in: path)
        for (offset, file) in files.enumerated() { result[file.index] += " sha256=\(digests[offset])" }
        return result
    }

    func sha256(file relative: String) throws -> String {
        try sha256sum([relative], in: path)[0]
    }
}

/// The SHA-256 of each file (relative to `directory`, or absolute), in order, by one
/// `sha256sum`: independent of the code under test.
func sha256sum(_ paths: [String], in directory: String? = nil) throws -> [String] {
    if paths.isEmpty { return [] }
    let result = try RunningTBMake(binary: "/usr/bin/sha256sum", arguments: ["--"] + paths, directory: directory).wait()
    let lines = result.stdout.split(separator: "\n")
    guard result.status == 0, lines.count == paths.count else {
        throw EndToEndError("sha256sum failed: \(result)")
    }
    return lines.map { String($0.prefix(64)) }
}

/// A child process (tbmake, or a helper) whose stdout and stderr go to temporary files,
/// so that nothing can block on a full pipe (recipes may leave background processes).
final class RunningTBMake {
    let process = Process()
    private let outURL: URL
    private let errURL: URL

    init(binary: String, arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tbmake-e2e-\(UUID().uuidString)")
        outURL = base.appendingPathExtension("out")
        errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = Project.environment().merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = FileHandle(forReadingAtPath: "/dev/null")
        let output = try FileHandle(forWritingTo: outURL)
        let errorFile = try FileHandle(forWritingTo: errURL)
        defer { try? input?.close(); try? output.close(); try? errorFile.close() }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errorFile
        do { try process.run() } catch {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
            throw EndToEndError("cannot start \(binary): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// What the process has written to stdout so far.
    var stdoutSoFar: String {
        (try? Data(contentsOf: outURL)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func wait() throws -> RunResult {
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
                                                                  : process.terminationStatus
        return RunResult(status: status,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// Polls `condition` every 20 ms; fails after `limit` (a guard against hanging, not a
/// time measurement: the condition is what the test is about).
func waitUntil(_ what: String, limit: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(limit)
    while !condition() {
        if Date() > end {
            XCTFail("gave up waiting until \(what)", file: file, line: line)
            return false
        }
        usleep(20_000)
    }
    return true
}
