#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TBStore

extension Snapshot {
    /// Moves each root from the staging directory into the destination. An existing root
    /// is exchanged atomically (`renameat2(RENAME_EXCHANGE)`), so the old tree ends up in
    /// the staging directory and is removed with it; on failure every move made is undone
    /// and ancestor directories created for it are removed.
    static func install(_ manifest: Manifest, from staging: StagingDirectory, into destination: OpenFile, path: String) throws(SnapshotError) {
        var done: [(root: String, exchanged: Bool)] = []
        var createdDirectories: [String] = []
        var installed = false
        defer {
            if !installed {
                for (root, exchanged) in done.reversed() {
                    _ = Rename.renameat2(staging.dir.fd, root, destination.fd, root, exchanged ? Rename.exchange : 0)
                }
                for directory in createdDirectories.reversed() { _ = unlinkat(destination.fd, FileName.cString(directory), AT_REMOVEDIR) }
            }
        }
        for root in manifest.roots {
            for ancestor in EntryPath.ancestors(root) {
                var st = stat()
                if fstatat(destination.fd, FileName.cString(ancestor), &st, AT_SYMLINK_NOFOLLOW) == 0 {
                    guard st.st_mode & S_IFMT == S_IFDIR else { throw .io(operation: "create directory", path: path + "/" + ancestor, errno: ENOTDIR) }
                    continue
                }
                let mode = manifest.entry(ancestor)?.mode ?? 0o755
                guard mkdirat(destination.fd, FileName.cString(ancestor), 0o700) == 0 else { throw .lastIO("create directory", path + "/" + ancestor) }
                createdDirectories.append(ancestor)
                _ = fchmodat(destination.fd, FileName.cString(ancestor), mode_t(mode), 0)
            }
            var st = stat()
            let exists = fstatat(destination.fd, FileName.cString(root), &st, AT_SYMLINK_NOFOLLOW) == 0
            let flags = exists ? Rename.exchange : Rename.noReplace
            guard Rename.renameat2(staging.dir.fd, root, destination.fd, root, flags) == 0 else {
                throw .lastIO("move \(root) into", path)
            }
            done.append((root, exists))
        }
        installed = true
    }
}
