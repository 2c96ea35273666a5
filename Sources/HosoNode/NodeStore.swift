import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// The node's replica: one SQLite file in WAL mode, reached through one serial queue.
///
/// Every mutating method runs in one `BEGIN IMMEDIATE` transaction that also writes the
/// change log and the audit log, so a write is all-or-nothing (a crash or a full disk
/// leaves no half-written dossier and no unaudited change).
public final class NodeStore: Sendable {
    /// The database.
    public let db: DatabaseQueue
    /// This replica's stable id: the actor in version vectors.
    public let nodeID: String
    let codes: CatalogueCodeCache
    /// Fires after commits that appended change-log entries the parent does not have.
    public let changes = ChangeNotifier()
    let parentCache = ParentIDCache()
    /// Deadlines and timeouts of handoffs.
    public let handoffConfiguration = HandoffConfiguration()
    /// Alert horizons and regulation deadlines of reports.
    public let reportConfiguration = ReportConfiguration()
    /// Reports being produced in the background.
    public let reportJobs = ReportJobs()
    /// Counters and histograms shown at `/metrics`.
    public let metrics = Metrics()
    /// Health thresholds of the monitoring.
    public let monitorConfiguration = MonitorConfiguration()

    /// Opens (creating and migrating if needed) the database at `path`.
    ///
    /// A new database gets a node id — `nodeID` when the node was enrolled by a parent,
    /// a fresh one otherwise — and, unless it will receive them from its parent
    /// (`seedCatalogues: false`), the seed catalogues (ethnic groups, religions, grades
    /// with salary scales, ...), all in the first transaction.
    public init(path: String, nodeID requestedID: String? = nil, seedCatalogues: Bool = true) throws {
        let db = try DatabaseQueue(path: path)
        _ = try db.inDatabase { try NodeSchema.migrator.migrate($0) }
        self.db = db
        let (id, created) = try db.write { c -> (String, Bool) in
            if let id = try c.scalar("SELECT value FROM node_meta WHERE key = 'node_id'", as: String.self) {
                if let requestedID, requestedID != id {
                    throw NodeError(.conflict, "node_id_mismatch", "The database at \(path) belongs to node \(id), not \(requestedID).")
                }
                return (id, false)
            }
            let id = requestedID ?? RecordID.make()
            try c.execute("INSERT INTO node_meta(key, value) VALUES ('node_id', ?), ('clock', '0'), ('created_at', ?)", [id, Timestamp.now()])
            return (id, true)
        }
        self.nodeID = id
        self.codes = CatalogueCodeCache()
        try db.write { c in
            // Only a new root replica seeds the code lists; an enrolled node receives the
            // hub's (with the hub's row ids) on its first pull.
            let parent = try self.storedParentID(c)
            if created && seedCatalogues { try self.seedCatalogues(c) }
            // A root replica upgraded to a version with new code lists gets them (its
            // children receive them on their next pull). A root has had code lists since
            // it was created; an enrolled node before its first sync has none and no
            // parent yet — opened then by a command (`hoso hub enroll` on a mid-tier
            // node, say) it must not invent its own (the parent would refuse them as
            // not_owner and they would sit in quarantine; found by FaultInjectionTests).
            else if seedCatalogues && parent == nil,
                    try c.scalar("SELECT count(*) FROM catalogues", as: Int.self) ?? 0 > 0 {
                try self.seedCatalogues(c, onlyMissing: true)
            }
            self.parentCache.set(parent)
        }
        try reloadCatalogueCodes()
    }

    /// The schema version: the newest migration applied.
    public static var schemaVersion: String { NodeSchema.migrator.migrations.last?.name ?? "" }

    // MARK: Versioning

    /// Bumps this node's logical clock and returns the new counter. Must run inside the
    /// write transaction that uses it, so counters are never reused after a rollback.
    func tick(_ c: Connection) throws -> Int64 {
        try c.execute("UPDATE node_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'clock'")
        guard let counter = try c.scalar("SELECT CAST(value AS INTEGER) FROM node_meta WHERE key = 'clock'", as: Int64.self) else {
            throw NodeError(.unavailable, "clock_missing", "Thiếu đồng hồ logic của nút.")
        }
        return counter
    }

    /// The version vector of a new local version: the old vector with this node's entry
    /// set to `counter`.
    func nextVector(_ old: String?, counter: Int64) -> String {
        var vector = VersionVector(json: old ?? "{}")
        vector[nodeID] = counter
        return vector.json
    }


    // MARK: Units in reach

    /// `unitID` and every unit below it.
    public func subtree(of unitID: String) throws -> Set<String> {
        try db.read { c in try self.subtree(c, of: unitID) }
    }

    func subtree(_ c: Connection, of unitID: String) throws -> Set<String> {
        let rows = try c.rows("""
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM units WHERE id = ? AND deleted = 0
                UNION SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id WHERE u.deleted = 0
            ) SELECT id FROM tree
            """, [unitID])
        return Set(rows.compactMap { $0.get("id", as: String.self) })
    }

    // MARK: Audit

    /// Appends one audit entry (inside the caller's transaction).
    func audit(_ c: Connection, _ actor: Principal, action: String, entity: String? = nil, entityID: String? = nil,
               personID: String? = nil, unitID: String? = nil, changes: JSONValue? = nil) throws {
        try c.execute("""
            INSERT INTO audit_log(at, user_id, username, action, entity, entity_id, person_id, unit_id, changes, client, request_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [Timestamp.now(), actor.userID, actor.username, action, entity, entityID, personID, unitID,
                  changes?.jsonString(), actor.client, actor.requestID])
    }

    // MARK: Health

    /// `PRAGMA integrity_check` of the replica.
    public func integrityCheck() throws -> [String] {
        try db.inDatabase { try $0.integrityCheck() }
    }

    /// An online backup of the replica to `path` (SQLite backup API).
    public func backup(to path: String) throws {
        try db.inDatabase { try $0.backup(to: path) }
    }
}

/// The parent's node id, cached because every log append consults it.
///
/// `@unchecked Sendable`: `lock` guards `value`.
final class ParentIDCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ id: String?) { lock.lock(); value = id; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Wall-clock timestamps for display and audit (never used to order versions).
enum Timestamp {
    static func now(_ date: Date = Date()) -> String { FastFormat.timestamp(date) }
}
