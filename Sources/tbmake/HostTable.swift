import TBEngine
import TBHosts
import TBTargetfile

/// The executor of every host a run uses, made on first use: the implicit `local`
/// host (the project directory), and each declared host — by name or by pattern
/// (`host fit* = local`) — as a sandbox of the embedded testbed. Used from the
/// scheduler's thread only.
final class HostTable {
    private let targetfile: Targetfile
    private let projectDirectory: String
    private let implicit: LocalExecutor
    private var executors: [String: Executor] = [:]

    init(targetfile: Targetfile, projectDirectory: String) {
        self.targetfile = targetfile
        self.projectDirectory = projectDirectory
        implicit = LocalExecutor(hostName: "local", projectDirectory: projectDirectory, sandboxed: false)
    }

    /// The executor of host `name`; nil names the implicit local host.
    func executor(for name: String?) -> Executor {
        guard let name else { return implicit }
        if let existing = executors[name] { return existing }
        let executor = LocalExecutor(hostName: name, projectDirectory: projectDirectory, sandboxed: true)
        executors[name] = executor
        return executor
    }

    /// ssh hosts arrive with the ssh executor; until then a target on one is an error.
    func checkSupported(_ hosts: Set<String>) throws {
        for name in hosts.sorted() {
            if let host = targetfile.host(named: name), case .ssh = host.kind {
                throw Invocation.Stop(message: "\(host.location): ssh hosts are not supported by this version of tbmake yet (host '\(name)')", exitStatus: 2)
            }
        }
    }
}
