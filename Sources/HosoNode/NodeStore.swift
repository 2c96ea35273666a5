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

    /// Opens (creating and migrating if needed) the database at `path`.
    ///
    /// A new database gets a node id and the seed catalogues (ethnic groups, religions,
    /// grades with salary scales, ...), all in the first transaction.
    public init(path: String) throws {
        let db = try DatabaseQueue(path: path)
        _ = try db.inDatabase { try NodeSchema.migrator.migrate($0) }
        self.db = db
        self.nodeID = try db.write { c in
            if let id = try c.scalar("SELECT value FROM node_meta WHERE key = 'node_id'", as: String.self) { return id }
            let id = RecordID.make()
            try c.execute("INSERT INTO node_meta(key, value) VALUES ('node_id', ?), ('clock', '0'), ('created_at', ?)", [id, Timestamp.now()])
            return id
        }
        self.codes = CatalogueCodeCache()
        try db.write { c in
            if try c.scalar("SELECT count(*) FROM catalogues", as: Int.self) == 0 {
                try self.seedCatalogues(c)
            }
        }
        try reloadCatalogueCodes()
    }

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

    /// Records a local write in the change log (same transaction as the write).
    func logChange(_ c: Connection, entity: String, rowID: String, counter: Int64, personID: String?) throws {
        try c.execute("INSERT INTO change_log(entity, row_id, counter, person_id, at) VALUES (?, ?, ?, ?, ?)",
                      [entity, rowID, counter, personID, Timestamp.now()])
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

/// Wall-clock timestamps for display and audit (never used to order versions).
enum Timestamp {
    static func now(_ date: Date = Date()) -> String { FastFormat.timestamp(date) }
}
