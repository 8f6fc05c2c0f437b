import FoundationEssentials
import TBEngine
import TBTargetfile
#if canImport(Glibc)
import Glibc
#endif

/// The testbed's JSON inventory, as the imaging tools keep it: an array of nodes, each
/// with interfaces (`cmc`, `control`, `data`) holding `hostname`, `ip`, `mac`. Recipes
/// read a field of a node as `$(node.control.mac)`; every interface's hostname names
/// the node (`fit03`, `reboot03`).
enum Inventory {
    /// Node name → `interface.field` → value. `location` is the Targetfile's
    /// `inventory PATH` line (nil for `--inventory FILE`), named by a read error.
    static func load(path: String, writtenAt location: SourceLocation?) throws -> [String: [String: String]] {
        guard let bytes = DiskFileSystem.readFile(path) else {
            let reason = String(cString: strerror(errno))
            let message = "cannot read inventory \(path): \(reason)"
            throw Invocation.Stop(message: location.map { "\($0): \(message)" } ?? message, exitStatus: 2)
        }
        let entries: [[String: [String: String]]]
        do {
            entries = try JSONDecoder().decode([[String: [String: String]]].self, from: Data(bytes))
        } catch {
            throw Invocation.Stop(message: "\(path): not an inventory (expected a JSON array of nodes, each interface an object of strings)", exitStatus: 2)
        }
        var nodes: [String: [String: String]] = [:]
        for (position, entry) in entries.enumerated() {
            var fields: [String: String] = [:]
            for (interface, values) in entry {
                for (key, value) in values { fields["\(interface).\(key)"] = value }
            }
            let names = entry.values.compactMap { $0["hostname"] }
            guard !names.isEmpty else {
                throw Invocation.Stop(message: "\(path): node \(position + 1) has no hostname", exitStatus: 2)
            }
            for name in names { nodes[name] = fields }
        }
        return nodes
    }
}
