import Glibc
import TBStore
import TBEngine

/// One `put` or `get` on the local host: a copy from `source` to `destination`.
///
/// - Relative paths are relative to `baseDirectory` (the project directory).
/// - A file source makes the destination that file; a directory source makes the
///   destination a copy of the whole tree. A symlink given as the source is followed;
///   symlinks inside a tree are copied as symlinks, unchanged.
/// - A destination ending in `/` names a directory to copy into
///   (`put a.rpm -> $(root)/tmp/` makes `$(root)/tmp/a.rpm`).
/// - Permission bits (executable, setuid, sticky) are kept; owners and times are not.
/// - Files are streamed (copy_file_range, else a 1 MiB buffer).
/// - Atomic for readers: the copy is built in a temporary sibling
///   `.<name>.tbmake-tmp-<pid>-<n>` and renamed over the destination; an existing
///   directory (or a destination of the other kind) is first renamed aside to
///   `.<name>.tbmake-old-<pid>-<n>`, then removed. Nothing is fsynced: the copy is
///   complete for other processes, not guaranteed across a power cut.
/// - Missing parent directories of the destination are created.
/// - Every failure is `ExecutorError.transferFailed` naming the absolute path
///   concerned, with the C library's words; the temporary copy is removed.
struct LocalCopy {
    let source: String
    let destination: String
    /// Directories that a copy must never replace, nor any of their ancestors.
    let protectedDirectories: [String]

    init(source: String, destination: String, baseDirectory: String, protectedDirectories: [String]) {
        let sourcePath = LocalPath.resolve(source, against: baseDirectory)
        var destinationPath = LocalPath.resolve(destination, against: baseDirectory)
        if destination.hasSuffix("/") {
            destinationPath = LocalPath.resolve(LocalPath.name(of: sourcePath), against: destinationPath)
        }
        self.source = sourcePath
        self.destination = destinationPath
        self.protectedDirectories = protectedDirectories
    }

    func perform() throws {
        let sourceStatus = try fileStatus(source, followingSymlinks: true)
            .mapError { ExecutorError.transferFailed(path: source, reason: $0.description) }.get()
        guard sourceStatus.isDirectory || sourceStatus.isRegularFile else {
            throw ExecutorError.transferFailed(path: source, reason: "not a regular file or a directory")
        }
        if let guarded = protectedDirectories.first(where: { LocalPath.isWithin($0, destination) }) {
            throw ExecutorError.transferFailed(
                path: destination, reason: "refusing to replace it: it is or contains \(guarded)")
        }
        let parent = LocalPath.parent(of: destination)
        let name = LocalPath.name(of: destination)
        try makeLocalDirectories(parent)
        if sourceStatus.isDirectory, let realSource = LocalPath.real(source),
           let realParent = LocalPath.real(parent),
           LocalPath.isWithin(LocalPath.normalize(realParent + "/" + name), realSource) {
            throw ExecutorError.transferFailed(path: destination, reason: "the destination is inside the source \(source)")
        }

        let temporary = siblingName(of: destination, tag: "tmp")
        var committed = false
        defer { if !committed { try? removeTree(temporary) } }
        if sourceStatus.isDirectory {
            try copyTree(from: source, to: temporary, permissions: sourceStatus.permissions)
        } else {
            try copyFile(from: source, to: temporary)
        }
        try replaceLocal(destination, with: temporary, isDirectory: sourceStatus.isDirectory)
        committed = true
    }

    /// Copies the tree at `source` to the new path `destination`. Directories are
    /// created owner-writable and get their own permissions once filled, so read-only
    /// directories copy too.
    private func copyTree(from source: String, to destination: String, permissions: mode_t) throws {
        try makeLocalDirectory(destination)
        let entries = try localDirectoryEntries(source)
        for entry in entries {
            let from = source + "/" + entry
            let to = destination + "/" + entry
            let status = try fileStatus(from, followingSymlinks: false)
                .mapError { transferFailure(from, $0.code) }.get()
            if status.isDirectory {
                try copyTree(from: from, to: to, permissions: status.permissions)
            } else if status.isRegularFile {
                try copyFile(from: from, to: to)
            } else if status.isSymlink {
                try makeLocalSymlink(to, to: try readLocalSymlink(from))
            } else {
                throw ExecutorError.transferFailed(path: from, reason: "cannot copy a device, socket or fifo")
            }
        }
        try setLocalPermissions(destination, permissions)
    }

    /// Streams the file at `source` into the new file `destination`, with the source's
    /// permission bits.
    private func copyFile(from source: String, to destination: String) throws {
        let input = try FileDescriptor.open(source, O_RDONLY).mapError { transferFailure(source, $0.code) }.get()
        var status = stat()
        guard fstat(input.rawValue, &status) == 0 else { throw transferFailure(source, errno) }
        let output = try FileDescriptor.open(destination, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            .mapError { transferFailure(destination, $0.code) }.get()
        try copyContents(from: input.rawValue, to: output.rawValue, sourcePath: source, destinationPath: destination)
        // fchmod is not subject to the umask, unlike the mode given to open.
        guard fchmod(output.rawValue, status.permissions) == 0 else { throw transferFailure(destination, errno) }
        do { try output.closeChecked() } catch let error as SystemError { throw transferFailure(destination, error.code) }
    }

    private func copyContents(from input: Int32, to output: Int32, sourcePath: String, destinationPath: String) throws {
        if let copyFileRange = GNUExtensions.copyFileRange {
            while true {
                let copied = retryingInterrupts { copyFileRange(input, nil, output, nil, 1 << 30, 0) }
                if copied > 0 { continue }
                if copied == 0 { return }
                // Not supported between these files: the read/write loop carries on
                // from the current offsets.
                if [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EBADF].contains(errno) { break }
                throw transferFailure(destinationPath, errno)
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = retryingInterrupts { read(input, buffer.baseAddress, buffer.count) }
            if count == 0 { return }
            guard count > 0 else { throw transferFailure(sourcePath, errno) }
            do { try writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
            catch let error as SystemError { throw transferFailure(destinationPath, error.code) }
        }
    }
}

/// Removes `path` and everything under it (`rm -rf`): `FileTree.remove`, which never
/// follows a symlink and makes directories writable first so read-only trees go too.
func removeTree(_ path: String) throws {
    try FileTree.remove(path)
}
