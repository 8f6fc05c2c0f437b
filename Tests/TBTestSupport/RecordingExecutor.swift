import Foundation
import TBEngine

/// A host whose commands are scripted by a closure and whose every call is recorded, in
/// order. Transfers copy within the `InMemoryFileSystem`. Safe to call from the
/// engine's worker threads; the script runs outside the executor's lock, so two scripts
/// may block on each other (that is how tests prove that recipes overlap under `-j`).
public final class RecordingExecutor: Executor, @unchecked Sendable {
    /// One call the engine made.
    public enum Call: Equatable, Sendable, CustomStringConvertible {
        case run(command: String, environment: [String: String])
        case put(from: String, to: String)
        case get(from: String, to: String)

        public var description: String {
            switch self {
            case .run(let command, let environment):
                return environment.isEmpty ? "run \(command)" : "run \(command) env \(environment.sorted { $0.key < $1.key })"
            case .put(let from, let to): return "put \(from) -> \(to)"
            case .get(let from, let to): return "get \(from) -> \(to)"
            }
        }
    }

    /// What a scripted command sees.
    public struct RunContext: Sendable {
        public var command: String
        public var environment: [String: String]
        public var hostName: String
        /// `$(root)` of this host.
        public var root: String
        public var fileSystem: InMemoryFileSystem
        public var output: OutputSink

        /// Writes `text` to the recipe's output (its log and failure tail).
        public func print(_ text: String) {
            var text = text + "\n"
            text.withUTF8 { output.write(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Command → exit status, with any side effect on the file system.
    public typealias Script = @Sendable (RunContext) throws -> Int32

    public let hostName: String
    public let fileSystem: InMemoryFileSystem
    public var variables: [String: String] { ["root": root] }
    public var root: String { "/sandbox/\(hostName)" }

    private let lock = NSLock()
    private var _script: Script
    private var _identity: String
    private var _calls: [Call] = []
    private var _events: [String] = []
    private var _prepareCount = 0
    private var _identityCount = 0
    private var _inFlight = 0
    private var _maxInFlight = 0
    private var _prepareError: Error?

    /// - Parameter script: defaults to `RecordingExecutor.miniShell`.
    public init(hostName: String, fileSystem: InMemoryFileSystem, identity: String? = nil,
                script: @escaping Script = RecordingExecutor.miniShell) {
        self.hostName = hostName
        self.fileSystem = fileSystem
        self._identity = identity ?? "\(hostName)-1"
        self._script = script
    }

    // MARK: - Settable behaviour and what was recorded

    public var script: Script {
        get { locked { _script } }
        set { locked { _script = newValue } }
    }

    /// What `identity()` returns; change it to simulate a reprovisioned host.
    public var identityString: String {
        get { locked { _identity } }
        set { locked { _identity = newValue } }
    }

    /// Thrown by `prepare()` when set (a host that cannot be reached).
    public var prepareError: Error? {
        get { locked { _prepareError } }
        set { locked { _prepareError = newValue } }
    }

    /// Every call, in the order made.
    public var calls: [Call] { locked { _calls } }

    /// `prepare`, `identity` and every call's description, in the order made.
    public var events: [String] { locked { _events } }

    /// The commands of the `run` calls, in order.
    public var commands: [String] {
        calls.compactMap { if case .run(let command, _) = $0 { return command } else { return nil } }
    }

    public var prepareCount: Int { locked { _prepareCount } }
    public var identityCount: Int { locked { _identityCount } }
    /// The most `run` calls that were in progress at the same moment.
    public var maxConcurrentRuns: Int { locked { _maxInFlight } }

    /// Forgets the calls and counters (not the script nor the identity).
    public func reset() {
        locked {
            _calls.removeAll()
            _events.removeAll()
            _prepareCount = 0
            _identityCount = 0
            _maxInFlight = 0
        }
    }

    // MARK: - Executor

    /// With `prepareError`: the host answers from this call of `prepare()` on (a node
    /// that comes back after a reboot); nil: never.
    public var answersFromPrepareCall: Int? {
        get { locked { _answersFrom } }
        set { locked { _answersFrom = newValue } }
    }
    private var _answersFrom: Int?

    public func prepare() throws {
        let error: Error? = locked {
            _prepareCount += 1
            _events.append("prepare")
            if let from = _answersFrom, _prepareCount >= from { return nil }
            return _prepareError
        }
        if let error { throw error }
    }

    public func identity() throws -> String {
        locked {
            _identityCount += 1
            _events.append("identity")
            return _identity
        }
    }

    public func run(command: String, environment: [String: String], deadline: ContinuousClock.Instant?,
                    output: OutputSink) throws -> Int32 {
        let script: Script = locked {
            record(.run(command: command, environment: environment))
            _inFlight += 1
            _maxInFlight = max(_maxInFlight, _inFlight)
            return _script
        }
        defer { locked { _inFlight -= 1 } }
        return try script(RunContext(command: command, environment: environment, hostName: hostName,
                                     root: root, fileSystem: fileSystem, output: output))
    }

    @discardableResult
    public func put(from local: String, to remote: String) throws -> TransferOutcome {
        locked { record(.put(from: local, to: remote)) }
        try copy(from: local, to: remote)
        return .copied
    }

    @discardableResult
    public func get(from remote: String, to local: String) throws -> TransferOutcome {
        locked { record(.get(from: remote, to: local)) }
        try copy(from: remote, to: local)
        return .copied
    }

    /// Copies a file, or every file of a directory, replacing the destination as a whole.
    private func copy(from source: String, to destination: String) throws {
        guard let stat = fileSystem.stat(source) else {
            throw ExecutorError.transferFailed(path: source, reason: "No such file or directory")
        }
        if stat.isDirectory {
            let sourcePrefix = InMemoryFileSystem.normalize(source)
            let paths = try fileSystem.files(under: source)
            fileSystem.removeTree(destination)
            for path in paths {
                let file = fileSystem.file(path)!
                let relative = sourcePrefix.isEmpty ? path : String(path.dropFirst(sourcePrefix.count + 1))
                fileSystem.write(destination + "/" + relative, bytes: file.bytes, permissions: file.permissions)
            }
        } else {
            let file = fileSystem.file(source)!
            fileSystem.removeTree(destination)
            fileSystem.write(destination, bytes: file.bytes, permissions: file.permissions)
        }
    }

    /// Called with the lock held.
    private func record(_ call: Call) {
        _calls.append(call)
        _events.append(call.description)
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

extension RecordingExecutor {
    /// A tiny command language, enough for most tests; commands are separated by ` ; `:
    /// - `write PATH WORDS...`: writes the words (joined by one space) to PATH;
    /// - `append PATH WORDS...`: appends the words and a newline to PATH;
    /// - `say WORDS...`: prints the words to the recipe's output;
    /// - `fail [STATUS]`: stops with STATUS (default 1);
    /// - anything else succeeds and does nothing.
    /// In `write`/`append`, the escapes `\n` in WORDS become newlines.
    public static let miniShell: Script = { context in
        for command in context.command.components(separatedBy: " ; ") {
            var words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard !words.isEmpty else { continue }
            let verb = words.removeFirst()
            switch verb {
            case "write", "append":
                guard !words.isEmpty else { return 2 }
                let path = words.removeFirst()
                let text = words.joined(separator: " ").replacingOccurrences(of: "\\n", with: "\n")
                if verb == "write" {
                    context.fileSystem.write(path, text)
                } else {
                    context.fileSystem.write(path, (context.fileSystem.contents(path) ?? "") + text + "\n")
                }
            case "say":
                context.print(words.joined(separator: " "))
            case "fail":
                return words.first.flatMap { Int32($0) } ?? 1
            default:
                continue
            }
        }
        return 0
    }
}
