import ArgumentParser
import TBStore
#if canImport(Glibc)
import Glibc
#endif

// Usage errors exit 2, as make's do; --help and --version exit 0.
/// make accepts a value joined to a short option (`-j4`, `-Cdir`); so does tbmake.
func splitJoinedShortOptions(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for argument in arguments {
        if argument.count > 2, argument.hasPrefix("-"), !argument.hasPrefix("--"),
           let option = argument.dropFirst().first, "jCf".contains(option) {
            result.append("-\(option)")
            result.append(String(argument.dropFirst(2)))
        } else {
            result.append(argument)
        }
    }
    return result
}

let status: Int32
InterruptHandler.install()
// A run over hundreds of ssh hosts holds a socket (and, behind a gateway, a socket
// pair) per host: the soft limit on descriptors (often 1024) is raised to the hard one.
var descriptorLimit = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptorLimit) == 0, descriptorLimit.rlim_cur < descriptorLimit.rlim_max {
    descriptorLimit.rlim_cur = descriptorLimit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptorLimit)
}
let arguments = splitJoinedShortOptions(Array(CommandLine.arguments.dropFirst()))
// `cache` as the first argument selects the maintenance commands; `tbmake -- cache`
// builds a target named cache.
let maintainsCache = arguments.first == "cache"
// `report` likewise: `tbmake report [RUN]`; `tbmake -- report` builds a target named report.
let writesReport = arguments.first == "report"
let root: ParsableCommand.Type = maintainsCache ? CacheCommand.self : TBMake.self
do {
    if maintainsCache {
        status = try CacheCommand.execute(Array(arguments.dropFirst()))
    } else if writesReport {
        status = try ReportCommand.execute(Array(arguments.dropFirst()))
    } else {
        status = try Invocation(command: try TBMake.parse(arguments)).execute()
    }
} catch let stop as Invocation.Stop {
    Terminal.err("tbmake: \(printable(stop.message))\n")
    status = stop.exitStatus
} catch {
    if root.exitCode(for: error) == .success {
        Terminal.out(root.fullMessage(for: error) + "\n")
        status = 0
    } else {
        Terminal.err("tbmake: \(root.message(for: error)) (see \(maintainsCache ? "tbmake cache --help" : "tbmake --help"))\n")
        status = 2
    }
}
// After a signal, the handler's thread stops the recipes and chooses the exit status.
while InterruptHandler.received != 0 { pause() }
exit(status)
