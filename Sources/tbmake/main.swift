import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

// Usage errors exit 2, as make's do; --help and --version exit 0.
let status: Int32
do {
    let command = try TBMake.parseAsRoot() as! TBMake
    status = try Invocation(command: command).execute()
} catch let stop as Invocation.Stop {
    Terminal.err("tbmake: \(stop.message)\n")
    status = stop.exitStatus
} catch {
    if TBMake.exitCode(for: error) == .success {
        Terminal.out(TBMake.fullMessage(for: error) + "\n")
        status = 0
    } else {
        Terminal.err("tbmake: \(TBMake.message(for: error))\n\(TBMake.usageString())\n")
        status = 2
    }
}
exit(status)
