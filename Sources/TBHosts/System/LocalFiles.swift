import Glibc
import TBStore
import TBEngine

// Local file operations shared by the local executor's copies (`LocalCopy`) and the
// ssh executor's downloads and uploads. Failures are `ExecutorError.transferFailed`
// naming the path. Names are bytes: paths are `FileName` strings, passed to the system
// through `FileName.cString`.

/// A hidden name beside `path`, unique in this process: `.NAME.tbmake-TAG-PID-N`.
func siblingName(of path: String, tag: String) -> String {
    LocalPath.parent(of: path) + "/." + LocalPath.name(of: path) + ".tbmake-\(tag)-\(getpid())-\(temporaryNames.next())"
}

/// The names in the directory at `path`, not "." or "..", sorted.
func localDirectoryEntries(_ path: String) throws -> [String] {
    guard let directory = opendir(FileName.cString(path)) else { throw transferFailure(path, errno) }
    defer { closedir(directory) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            if errno != 0 { throw transferFailure(path, errno) }
            return names.sorted()
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in FileName.string(bytes.prefix { $0 != 0 }) }
        if name != "." && name != ".." { names.append(name) }
    }
}

/// The target of the symlink at `path`, as stored.
func readLocalSymlink(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(FileName.cString(path), &buffer, buffer.count - 1)
    guard count >= 0 else { throw transferFailure(path, errno) }
    return FileName.string(buffer[..<count].map { UInt8(bitPattern: $0) })
}

/// Renames `temporary` over `destination`. A directory cannot be renamed over, nor can a
/// file replace a directory: then the old one goes aside first, comes back if the new
/// one cannot be renamed in, and is removed once it has (an old tree that cannot be
/// removed stays aside under its hidden name rather than failing a copy that worked).
func replaceLocal(_ destination: String, with temporary: String, isDirectory: Bool) throws {
    let mustMoveAside: Bool
    switch fileStatus(destination, followingSymlinks: false) {
    case .success(let status): mustMoveAside = status.isDirectory || isDirectory
    case .failure: mustMoveAside = false
    }
    guard mustMoveAside else {
        guard renameFile(temporary, destination) == 0 else { throw transferFailure(destination, errno) }
        return
    }
    let aside = siblingName(of: destination, tag: "old")
    guard renameFile(destination, aside) == 0 else { throw transferFailure(destination, errno) }
    guard renameFile(temporary, destination) == 0 else {
        let code = errno
        _ = renameFile(aside, destination)
        throw transferFailure(destination, code)
    }
    try? removeTree(aside)
}

/// `rename(2)` of two `FileName` paths.
func renameFile(_ from: String, _ to: String) -> Int32 {
    rename(FileName.cString(from), FileName.cString(to))
}

/// `mkdir(2)` of a `FileName` path, as a transfer failure naming it.
func makeLocalDirectory(_ path: String) throws {
    guard mkdir(FileName.cString(path), 0o700) == 0 else { throw transferFailure(path, errno) }
}

/// `symlink(2)` at the `FileName` path `path`, as a transfer failure naming it.
func makeLocalSymlink(_ path: String, to target: String) throws {
    guard symlink(FileName.cString(target), FileName.cString(path)) == 0 else { throw transferFailure(path, errno) }
}

/// `chmod(2)` of a `FileName` path, as a transfer failure naming it.
func setLocalPermissions(_ path: String, _ permissions: mode_t) throws {
    guard chmod(FileName.cString(path), permissions) == 0 else { throw transferFailure(path, errno) }
}

/// `mkdir -p`, as a transfer failure naming `path`.
func makeLocalDirectories(_ path: String) throws {
    do { try makeDirectories(path) } catch let error as SystemError {
        throw ExecutorError.transferFailed(path: path, reason: error.description)
    }
}

func transferFailure(_ path: String, _ code: Int32) -> ExecutorError {
    .transferFailed(path: path, reason: errnoDescription(code))
}
