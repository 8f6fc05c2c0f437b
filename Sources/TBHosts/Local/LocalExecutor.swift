import Glibc
import TBEngine

/// The embedded local testbed: runs recipes with `/bin/sh` on this machine and copies
/// files with plain file-system operations.
///
/// Two kinds of local host exist. The implicit `local` host has the project directory
/// as its root. A sandbox host (`host dev2 = local` in a Targetfile) has its own root,
/// `<projectDirectory>/.tbmake/hosts/<hostName>`, exposed to recipes as `$(root)`;
/// it is created on first use by `run`, `put`, `get` or `prepare()` — never by `init`
/// or `identity()`, so that a dry run creates nothing. Removing the sandbox directory
/// resets the host: it gets a new identity and every target on it runs again.
///
/// Commands always run in the project directory, so recipes use project-relative
/// paths and reach the sandbox through `$(root)`.
///
/// Safe to use from several threads at once. Linux only (posix_spawn, /proc).
public final class LocalExecutor: Executor {
    public let hostName: String
    /// Absolute and normalised.
    public let projectDirectory: String
    /// The sandbox root, or nil for the implicit host.
    let sandboxRoot: String?
    /// Serialises sandbox creation within this process.
    let sandboxLock = Lock()

    /// `sandboxed == false`: the implicit `local` host — its root is the project
    /// directory itself. Otherwise a sandbox host rooted at
    /// `<projectDirectory>/.tbmake/hosts/<hostName>`, created on first use. Touches
    /// nothing on disk. A relative `projectDirectory` is taken from the current
    /// working directory.
    public init(hostName: String, projectDirectory: String, sandboxed: Bool) {
        self.hostName = hostName
        self.projectDirectory = LocalPath.makeAbsolute(projectDirectory)
        self.sandboxRoot = sandboxed ? self.projectDirectory + "/.tbmake/hosts/" + hostName : nil
    }

    /// The host's root: the sandbox directory, or the project directory for the
    /// implicit host. May not exist yet for a sandbox.
    public var root: String { sandboxRoot ?? projectDirectory }

    public var variables: [String: String] { ["root": root] }

    /// Copies within the local file system; see `LocalCopy` for the exact semantics.
    @discardableResult
    public func put(from local: String, to remote: String) throws -> TransferOutcome {
        try transfer(from: local, to: remote)
        return .copied
    }

    /// Copies within the local file system; see `LocalCopy` for the exact semantics.
    @discardableResult
    public func get(from remote: String, to local: String) throws -> TransferOutcome {
        try transfer(from: remote, to: local)
        return .copied
    }

    private func transfer(from source: String, to destination: String) throws {
        try prepare()
        // Never replace the project, tbmake's own directory, or the sandbox root.
        var protected = [projectDirectory, projectDirectory + "/.tbmake"]
        if let sandboxRoot { protected.append(sandboxRoot) }
        try LocalCopy(source: source, destination: destination, baseDirectory: projectDirectory,
                      protectedDirectories: protected).perform()
    }
}
