import HosoDomain
import HosoSQLite

/// Who is authoritative for what, as this replica knows it: the organisation tree and
/// the node registry, loaded once per sync batch.
///
/// A unit's authority is the node serving the nearest unit at or above it (the deepest
/// enrolment wins, so a commune node under a district node owns its commune); a unit no
/// node serves belongs to the hub.
struct AuthorityMap: Sendable {
    /// Every unit's parent (nil for a root unit).
    let unitParents: [String: String?]
    /// Units → the node that declared it serves them.
    let servedBy: [String: String]
    /// Nodes → the units they declared.
    let served: [String: [String]]
    /// Nodes → their parent node.
    let nodeParents: [String: String?]
    /// The hub (the node without a parent), if the registry has one.
    let root: String?
    /// Units → their children.
    let unitChildren: [String: [String]]

    init(_ c: Connection) throws {
        var parents: [String: String?] = [:], children: [String: [String]] = [:]
        for row in try c.rows("SELECT id, parent_id FROM units WHERE deleted = 0") {
            guard let id: String = row.get("id") else { continue }
            let parent: String? = row.get("parent_id")
            parents[id] = parent
            if let parent { children[parent, default: []].append(id) }
        }
        var servedBy: [String: String] = [:], served: [String: [String]] = [:], nodeParents: [String: String?] = [:]
        var root: String?
        for row in try c.rows("SELECT id, parent_id, units, role FROM nodes WHERE deleted = 0") {
            guard let id: String = row.get("id") else { continue }
            let parent: String? = row.get("parent_id")
            nodeParents[id] = parent
            if parent == nil { root = id }
            let units = (try? JSONValue.parse(row.get("units") ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
            served[id] = units
            for unit in units { servedBy[unit] = id }
        }
        self.unitParents = parents
        self.unitChildren = children
        self.servedBy = servedBy
        self.served = served
        self.nodeParents = nodeParents
        self.root = root
    }

    /// Whether the unit exists (and is not a tombstone) here.
    func knows(unit: String) -> Bool { unitParents[unit] != nil }

    /// The node authoritative for `unit` (nil when nothing is known: a lone node).
    func authority(forUnit unit: String?) -> String? {
        var current = unit
        var steps = 0
        while let u = current, steps < 1_000 {
            if let node = servedBy[u] { return node }
            current = unitParents[u] ?? nil
            steps += 1
        }
        return root
    }

    /// `units` and every unit below them.
    func subtree(of units: [String]) -> Set<String> {
        var result = Set<String>()
        var stack = units.filter(knows(unit:))
        while let u = stack.popLast() {
            guard result.insert(u).inserted else { continue }
            stack.append(contentsOf: unitChildren[u] ?? [])
        }
        return result
    }

    /// Whether `node` is `ancestor` or below it in the node tree.
    func node(_ node: String, isInBranchOf ancestor: String) -> Bool {
        var current: String? = node
        var steps = 0
        while let n = current, steps < 1_000 {
            if n == ancestor { return true }
            current = nodeParents[n] ?? nil
            steps += 1
        }
        return false
    }
}
