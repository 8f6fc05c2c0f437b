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
    /// anything (the default). When false, the check happens while extracting into the
    /// temporary directory (one decompression instead of two); the destination is still
    /// untouched until everything checked out.
    public var verifyFirst: Bool

    public init(allowDevices: Bool = false, allowSetuid: Bool = false, restoreOwners: Bool = false, verifyFirst: Bool = true) {
        self.allowDevices = allowDevices
        self.allowSetuid = allowSetuid
        self.restoreOwners = restoreOwners
        self.verifyFirst = verifyFirst
    }
}
