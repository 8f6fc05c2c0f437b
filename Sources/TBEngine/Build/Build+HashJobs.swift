import TBStore

/// Large file inputs whose digests the stat-keyed cache does not know are read on a
/// worker thread before their target is decided, so that hashing a disk image does not
/// hold up the thread that decides (DESIGN §1, running). Small ones are hashed inline:
/// a thread per 1 KiB source would cost more than it saves.
extension Build {
    /// At least this many bytes of unknown inputs make a hash job.
    static let hashJobThreshold: Int64 = 1 << 20

    /// The inputs of node `index` to hash on a worker before its decision, if any.
    func hashWork(for index: Int) -> [(path: String, stat: FileStat)]? {
        let node = graph.nodes[index]
        guard !hashed.contains(index), !node.inputs.isEmpty, !isSettledWithoutRunning(node) else { return nil }
        var unknown: [(path: String, stat: FileStat)] = []
        var bytes: Int64 = 0
        for input in node.inputs {
            let stat = filesMayHaveChanged ? (fileSystem.stat(input.path) ?? input.stat) : input.stat
            guard stat.isRegular, !fileSystem.knowsDigest(ofFile: input.path, stat: stat) else { continue }
            unknown.append((input.path, stat))
            bytes += stat.size
        }
        return bytes >= Build.hashJobThreshold ? unknown : nil
    }

    /// Hashes `files` on a worker into the file system's digest cache; the node is decided
    /// again once all of them are hashed. A file another job already hashes is not read
    /// twice (the instances of a fan-out share their image): the node waits for that
    /// job. A file that cannot be read is left for the decision to report. Returns
    /// whether a job was started.
    func startHashJob(_ files: [(path: String, stat: FileStat)], for index: Int, into events: CompletionQueue<Event>) -> Bool {
        hashed.insert(index)
        var mine: [(path: String, stat: FileStat)] = []
        for file in files {
            if hashWaiters[file.path] == nil { mine.append(file) }
            hashWaiters[file.path, default: []].append(index)
        }
        pendingHashes[index] = files.count
        guard !mine.isEmpty else { return false }
        let fileSystem = self.fileSystem
        Worker.spawn {
            for file in mine { _ = try? fileSystem.digest(ofFile: file.path, stat: file.stat) }
            events.push(.hashed(paths: mine.map(\.path)))
        }
        return true
    }

    /// Takes in a finished hash job; returns the nodes that may be decided now.
    func settleHashed(_ paths: [String]) -> [Int] {
        var ready: [Int] = []
        for path in paths {
            for index in hashWaiters.removeValue(forKey: path) ?? [] {
                pendingHashes[index, default: 1] -= 1
                if pendingHashes[index] == 0 {
                    pendingHashes[index] = nil
                    ready.append(index)
                }
            }
        }
        return ready
    }
}
