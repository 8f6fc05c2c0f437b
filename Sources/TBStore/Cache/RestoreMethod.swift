/// How `ContentStore.restore` placed a file.
public enum RestoreMethod: String, Equatable, Sendable {
    /// A hard link to the object: no data copied; the file shares the object's inode.
    case hardLink = "hard link"
    /// A copy-on-write clone (`FICLONE`): no data copied; edits do not reach the object.
    case reflink
    /// A byte copy.
    case copy
}
