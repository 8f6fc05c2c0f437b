import Glibc
import TBStore
import TBEngine

extension LocalExecutor {
    /// Name of the file, at the top of a sandbox, that holds the sandbox's random id.
    static let hostIDFileName = ".tbmake-host-id"
    /// What `identity()` reports for a sandbox that does not exist (yet).
    static let absentIdentity = "local:<absent>"

    /// `local:` + the project directory for the implicit host; `local:` + the random id
    /// of the sandbox otherwise, or `local:<absent>` when the sandbox does not exist or
    /// its id file is missing or corrupt (`prepare()` then writes a new one, which is a
    /// reset). Never creates anything.
    public func identity() throws -> String {
        guard let sandboxRoot else { return "local:" + projectDirectory }
        try validateSandboxName()
        guard let id = try readHostID(root: sandboxRoot) else { return Self.absentIdentity }
        return "local:" + id
    }

    /// Creates the sandbox — its root directory and its id file — unless it exists.
    /// Idempotent; does nothing for the implicit host. `run`, `put` and `get` call it;
    /// call it before `identity()` in a run that will execute recipes, so that the
    /// identity recorded with the first run's keys is the sandbox's final one.
    public func prepare() throws {
        guard let sandboxRoot else { return }
        try validateSandboxName()
        try sandboxLock.withLock {
            if try readHostID(root: sandboxRoot) != nil { return }
            do {
                try makeDirectories(sandboxRoot)
                try writeHostID(root: sandboxRoot)
            } catch let error as SystemError {
                throw ExecutorError.unavailable(
                    host: hostName, reason: "cannot create sandbox \(sandboxRoot): \(error.description)")
            }
        }
    }

    private func validateSandboxName() throws {
        if hostName.isEmpty || hostName == "." || hostName == ".." || hostName.contains("/")
            || hostName.utf8.contains(0) {
            throw ExecutorError.unavailable(
                host: hostName, reason: "the name cannot be used as a sandbox directory")
        }
    }

    /// The id in `<root>/.tbmake-host-id`: nil if the file is missing or does not hold
    /// exactly 32 lowercase hex digits and a newline.
    func readHostID(root: String) throws -> String? {
        let path = root + "/" + Self.hostIDFileName
        let fd: FileDescriptor
        switch FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW) {
        case .success(let opened): fd = opened
        case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR || error.code == ELOOP:
            return nil
        case .failure(let error):
            throw ExecutorError.unavailable(host: hostName, reason: "cannot read \(path): \(error.description)")
        }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { buffer in
            retryingInterrupts { read(fd.rawValue, buffer.baseAddress, buffer.count) }
        }
        guard count == 33, bytes[32] == UInt8(ascii: "\n") else { return nil }
        let digits = bytes[0..<32]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                                  || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    /// Writes a fresh random id: into a temporary file, then linked to the final name
    /// (first writer wins if another process races us) or renamed over a corrupt one.
    private func writeHostID(root: String) throws {
        let path = root + "/" + Self.hostIDFileName
        let temporary = siblingName(of: root + "/" + Self.hostIDFileName, tag: "tmp")
        var generator = SystemRandomNumberGenerator()
        let id = (0..<2).map { _ -> String in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        let contents = Array((id + "\n").utf8)
        defer { unlink(temporary) }
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644).get()
        try writeAll(fd.rawValue, contents)
        try fd.closeChecked()
        if link(temporary, path) == 0 { return }
        guard errno == EEXIST else { throw SystemError(errno) }
        // The file exists but was unreadable as an id (corrupt): replace it.
        if try readHostID(root: root) == nil, rename(temporary, path) != 0 { throw SystemError(errno) }
    }
}

/// Creates `path` and its missing ancestors (`mkdir -p`).
func makeDirectories(_ path: String) throws {
    if mkdir(FileName.cString(path), 0o777) == 0 { return }
    switch errno {
    case EEXIST:
        if case .success(let status) = fileStatus(path, followingSymlinks: true), status.isDirectory { return }
        throw SystemError(ENOTDIR)
    case ENOENT where path != "/":
        try makeDirectories(LocalPath.parent(of: path))
        if mkdir(FileName.cString(path), 0o777) != 0 && errno != EEXIST { throw SystemError(errno) }
    default:
        throw SystemError(errno)
    }
}

/// Writes all of `bytes` to `fd`, across short writes.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try writeAll(fd, $0) }
}

func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < buffer.count {
        let written = retryingInterrupts { write(fd, buffer.baseAddress! + offset, buffer.count - offset) }
        guard written > 0 else { throw SystemError(written == 0 ? EIO : errno) }
        offset += written
    }
}

/// Numbers temporary file names; process-wide, see `Counter`.
let temporaryNames = Counter()
