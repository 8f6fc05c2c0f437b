extension Snapshot {
    /// The entries `export` would write for `spec` from `source` now, in archive order,
    /// without reading any file's content (digests are nil), each with the path it would
    /// be read from. Throws as export would for a path that is missing or not allowed.
    public static func plannedEntries(_ spec: SnapshotSpec, from source: any SnapshotSource = LocalSnapshotSource())
        throws(SnapshotError) -> [(entry: ManifestEntry, sourcePath: String)] {
        try collect(spec, roots: normalisedRoots(spec.paths), from: source).map { ($0.entry, $0.absolutePath) }
    }
}
