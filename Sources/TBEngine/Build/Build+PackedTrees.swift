import TBStore

/// The tree a `pack` step archives on a local host is an input of its target (DESIGN §1,
/// key): one key part per packed path, `packed:ROOT/PATH`, the digest of what the archive
/// would hold there (paths, types, modes, link targets, contents after `exclude`).
///
/// Before the run the tree is listed by the archiver and hashed through the stat-keyed
/// digest cache; after the run, the part is set to what `pack` actually packed, since
/// earlier steps of the recipe may write into the tree (a database dump). The trace
/// keeps that key, so the next run is up to date while the tree stays as it was packed.
/// On ssh hosts the tree is not part of the key.
extension Build {
    /// A `pack` step whose tree is part of the key.
    struct PackedTree {
        /// Index of the step in the recipe.
        var step: Int
        var root: String
        /// The packed paths, without trailing slashes or repeats.
        var paths: [String]

        /// The key part's name of `path`.
        func partName(_ path: String) -> String {
            (root.hasSuffix("/") ? root : root + "/") + path
        }
    }

    /// Adds a part for every path that the recipe's `pack` steps read on a local host,
    /// from the tree as it is now, and returns those steps.
    func addPackedTrees(of recipe: Recipe, executor: Executor, to key: inout TargetKey) -> [PackedTree] {
        guard let archiver else { return [] }
        var trees: [PackedTree] = []
        for (index, step) in recipe.steps.enumerated() {
            guard case .pack(let root, let paths, let excludes, _, _, _) = step else { continue }
            var entries: [PackedEntry]?
            do {
                guard let listed = try archiver.packedEntries(root: root, paths: paths, excludes: excludes, on: executor) else {
                    continue
                }
                entries = try listed.map(withContentDigest)
            } catch {
                entries = nil   // not there yet (the recipe may make it): a value no packed tree has
            }
            let tree = PackedTree(step: index, root: root, paths: Build.uniquePaths(paths))
            for (path, value) in treeParts(tree, entries) { key.add(.packedTree, tree.partName(path), value) }
            trees.append(tree)
        }
        return trees
    }

    /// Sets the parts of `trees` to what the run's `pack` steps packed.
    func setPackedTrees(_ trees: [PackedTree], packed: [Int: [PackedEntry]], in key: inout TargetKey) {
        for tree in trees {
            for (path, value) in treeParts(tree, packed[tree.step]) { key.replace(.packedTree, tree.partName(path), with: value) }
        }
    }

    /// One value per packed path: the digest of the entries at, under and above it;
    /// "missing" for every path when the tree could not be listed.
    private func treeParts(_ tree: PackedTree, _ entries: [PackedEntry]?) -> [(String, TargetKey.Value)] {
        tree.paths.map { path in
            guard let entries else { return (path, .text("missing")) }
            hasher.updateField("packed-tree")
            for entry in entries where entry.path == path || entry.path.hasPrefix(path + "/") || path.hasPrefix(entry.path + "/") {
                hasher.updateField(entry.path)
                hasher.updateField(entry.attributes)
                if let digest = entry.digest { hasher.update(digest) }
            }
            return (path, .digest(hasher.finalize()))
        }
    }

    /// A listed entry with its content digest, from the stat-keyed digest cache.
    private func withContentDigest(_ entry: PackedEntry) throws -> PackedEntry {
        guard entry.isRegularFile else { return entry }
        guard let stat = fileSystem.stat(entry.localPath) else { throw PackedFileVanished() }
        var hashed = entry
        hashed.digest = try fileSystem.digest(ofFile: entry.localPath, stat: stat)
        return hashed
    }

    /// A file listed for a `pack` that was gone when hashed: the tree counts as unlisted.
    private struct PackedFileVanished: Error {}

    private static func uniquePaths(_ paths: [String]) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for path in paths.map(FileTree.withoutTrailingSlashes) {
            if seen.insert(path).inserted { result.append(path) }
        }
        return result
    }
}
