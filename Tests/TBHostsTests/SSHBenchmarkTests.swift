import Foundation
import TBTestSupport
import TBEngine
import TBHosts
import TBStore
import XCTest

/// Figures for bench/ssh; runs only with TBMAKE_SSH_BENCH=1. Prints `ssh-bench: key value` lines.
final class SSHBenchmarkTests: XCTestCase {
    func testSSHBenchmark() throws {
        guard ProcessInfo.processInfo.environment["TBMAKE_SSH_BENCH"] == "1" else {
            throw XCTSkip("set TBMAKE_SSH_BENCH=1 (bench/ssh does)")
        }
        let env = ProcessInfo.processInfo.environment
        let commands = Int(env["TBMAKE_SSH_BENCH_COMMANDS"] ?? "") ?? 200
        let megabytes = Int(env["TBMAKE_SSH_BENCH_MIB"] ?? "") ?? 1024
        let sshd = try TestSSHD()
        let project = try TemporaryDirectory()
        let knownHosts = project.path + "/known_hosts"
        try sshd.knownHostsLine().write(toFile: knownHosts, atomically: true, encoding: .utf8)
        func makeExecutor(digests: DigestCache) -> SSHExecutor {
            SSHExecutor(hostName: "bench", destination: SSHDestination(user: "root", address: "127.0.0.1", port: sshd.port),
                        options: SSHOptions(identityFiles: [sshd.userKey], knownHostsFile: knownHosts, useAgent: false),
                        projectDirectory: project.path, digests: digests)
        }
        let digests = DigestCache()
        let executor = makeExecutor(digests: digests)
        let sink = CapturingSink()
        let clock = ContinuousClock()
        let connect = try clock.measure { try executor.prepare() }
        let tbmake = try clock.measure {
            for _ in 0..<commands { XCTAssertEqual(try executor.run(command: "true", environment: [:], deadline: nil, output: sink), 0) }
        }
        let sshArguments = ["-i", sshd.userKey, "-p", String(sshd.port), "-o", "UserKnownHostsFile=" + knownHosts,
                            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "root@127.0.0.1", "true"]
        let ssh = try clock.measure { for _ in 0..<commands { try TestProcess.run("/usr/bin/ssh", sshArguments) } }

        let big = project.path + "/big.bin"
        try TestProcess.run("/usr/bin/dd", ["if=/dev/urandom", "of=" + big, "bs=1M", "count=\(megabytes)", "status=none"])
        let put = try clock.measure { try executor.put(from: big, to: "big-put.bin") }
        let scp = try clock.measure {
            try TestProcess.run("/usr/bin/scp", ["-q", "-i", sshd.userKey, "-P", String(sshd.port), "-o", "UserKnownHostsFile=" + knownHosts,
                                              "-o", "BatchMode=yes", big, "root@127.0.0.1:big-scp.bin"])
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: sshd.home + "/big-put.bin")).count, megabytes << 20)

        // The same file again: the first time its remote digest is computed (sha256sum on
        // the host) and remembered; a later run, starting from the entries the build log
        // keeps, needs one stat on each side. Timestamps first age past the racy margin.
        usleep(200_000)
        var outcome = TransferOutcome.copied
        let firstUnchanged = try clock.measure { outcome = try executor.put(from: big, to: "big-put.bin") }
        let same = TransferOutcome.unchanged(digest: try SHA256.digest(fileAt: big).hex)
        XCTAssertEqual(outcome, same)
        let nextRun = makeExecutor(digests: DigestCache(entries: Dictionary(
            uniqueKeysWithValues: digests.takeChangedEntries().map { ($0.path, $0.entry) })))
        try nextRun.prepare()
        let unchanged = try clock.measure { outcome = try nextRun.put(from: big, to: "big-put.bin") }
        XCTAssertEqual(outcome, same)

        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        print("ssh-bench: commands \(commands)")
        print("ssh-bench: connect_ms \(ms(connect))")
        print("ssh-bench: tbmake_ms_per_command \(ms(tbmake) / Double(commands))")
        print("ssh-bench: ssh_ms_per_command \(ms(ssh) / Double(commands))")
        print("ssh-bench: put_mib \(megabytes)")
        print("ssh-bench: put_s \(ms(put) / 1000)")
        print("ssh-bench: scp_s \(ms(scp) / 1000)")
        print("ssh-bench: unchanged_first_ms \(ms(firstUnchanged))")
        print("ssh-bench: unchanged_ms \(ms(unchanged))")
    }
}
