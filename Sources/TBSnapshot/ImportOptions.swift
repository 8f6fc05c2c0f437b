/// What `Snapshot.importArchive` allows beyond files, directories and contained symlinks.
public struct ImportOptions: Sendable {
    /// Create character/block devices and FIFOs; refused otherwise.
    public var allowDevices: Bool
    /// Import setuid/setgid bits; entries carrying them are refused otherwise (not
    /// stripped: a silently changed mode is worse than a clear refusal).
    public var allowSetuid: Bool
    /// Give entries the archive's uid/gid (needs root); otherwise they belong to the
    /// importing user.
    public var restoreOwners: Bool
    /// Read the whole archive once to check it against the manifest before writing
    /// anything at all, then read it again to extract it (two decompressions). By default
    /// (false) there is one read, which checks every entry while extracting it into the
    /// temporary directory inside the destination; that directory is removed if anything
    /// fails, so either way the destination is as it was unless the whole archive checked
    /// out. Set it when even a temporary directory must not be written for a bad archive.
    public var verifyFirst: Bool

    public init(allowDevices: Bool = false, allowSetuid: Bool = false, restoreOwners: Bool = false, verifyFirst: Bool = false) {
        self.allowDevices = allowDevices
        self.allowSetuid = allowSetuid
        self.restoreOwners = restoreOwners
        self.verifyFirst = verifyFirst
    }
}
