import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// What one pull or push step did, for logs, status and tests.
public struct SyncStepSummary: Sendable, Equatable {
    public var sent = 0
    public var received = 0
    public var applied = 0
    public var duplicates = 0
    public var conflicts = 0
    public var rejected = 0

    public init() {}

    mutating func add(_ ctx: ApplyContext) {
        applied += ctx.applied
        duplicates += ctx.duplicates
        conflicts += ctx.conflicts
        rejected += ctx.rejected
    }
}

/// The child side of sync: this node's state towards its parent, kept in `node_meta`
/// and changed only in the transactions that apply what the parent answered.
extension NodeStore {
    /// The parent's node id, once the first handshake recorded it.
    public var parentID: String? { parentCache.get() }

    func storedParentID(_ c: Connection) throws -> String? {
        try c.scalar("SELECT value FROM node_meta WHERE key = 'parent_id'", as: String.self)
    }

    func meta(_ c: Connection, _ key: String) throws -> String? {
        try c.scalar("SELECT value FROM node_meta WHERE key = ?", [key], as: String.self)
    }

    func setMeta(_ c: Connection, _ key: String, _ value: String?) throws {
        if let value {
            try c.execute("INSERT INTO node_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
        } else {
            try c.execute("DELETE FROM node_meta WHERE key = ?", [key])
        }
    }

    /// What this node says about itself in every sync request.
    public func syncEnvelope() throws -> SyncEnvelope {
        try db.read { c in
            SyncEnvelope(nodeID: self.nodeID, clock: try self.clock(c), knowledge: try self.knowledge(c),
                         schema: Self.schemaVersion, software: HosoVersion.current)
        }
    }

    /// The parent's log position this node has applied up to.
    public func pullCheckpoint() throws -> Int64 {
        try db.read { c in Int64(try self.meta(c, "pull_checkpoint") ?? "0") ?? 0 }
    }

    /// Checks the parent's identity against the one recorded at the first handshake (and
    /// records it then). A node never silently starts syncing with another hub.
    public func acceptParent(_ hello: HelloResponse) throws {
        try db.write { c in
            if let known = try self.storedParentID(c) {
                guard known == hello.parentID else {
                    throw SyncError(.parentChanged, "The parent answered as node \(hello.parentID), but this node was enrolled with \(known). Check parent_url.")
                }
            } else {
                try self.setMeta(c, "parent_id", hello.parentID)
            }
            try self.setMeta(c, "parent_name", hello.parentName)
            try self.setMeta(c, "parent_clock", String(hello.clock))
            try self.setMeta(c, "parent_knowledge", hello.knowledge.json)
            try self.setMeta(c, "push_checkpoint", String(hello.pushCheckpoint))
        }
        parentCache.set(hello.parentID)
    }

    /// Records a push about to be sent (its random batch id and the log position it
    /// covers) in a durable transaction. That commit also makes every earlier write
    /// durable: with `synchronous = NORMAL` a power cut could otherwise undo a commit the
    /// parent has already received, and the node would look restored from a backup.
    public func preparePush(toSeq: Int64) throws -> String {
        let batchID = RecordID.make()
        try db.durableWrite(foreignKeys: true) { c in
            try c.execute("INSERT INTO push_marks(to_seq, batch_id, at) VALUES (?, ?, ?)", [toSeq, batchID, Timestamp.now()])
            try c.execute("DELETE FROM push_marks WHERE rowid <= (SELECT max(rowid) FROM push_marks) - 1000")
            try self.setMeta(c, "sync_last_attempt_at", Timestamp.now())
        }
        return batchID
    }

    /// The most recent pushes this node sent, newest first (for the handshake).
    public func recentPushMarks() throws -> [PushMark] {
        try db.read { c in
            try c.rows("SELECT to_seq, batch_id FROM push_marks ORDER BY rowid DESC LIMIT ?", [HelloRequest.maximumMarks]).map {
                PushMark(toSeq: $0.get("to_seq") ?? 0, batchID: $0.get("batch_id") ?? "")
            }
        }
    }

    /// Records the time of an attempt that pushes nothing.
    public func recordAttempt() throws {
        try db.write { c in try self.setMeta(c, "sync_last_attempt_at", Timestamp.now()) }
    }

    /// Applies a pull batch and its checkpoint in one durable transaction; after a
    /// complete pull this node holds everything its parent knows that is in its scope.
    public func applyPull(_ response: PullResponse, from parent: String) throws -> SyncStepSummary {
        var summary = SyncStepSummary()
        var touchedCatalogues = false
        try db.durableWrite { c in
            var ctx = ApplyContext(source: .parent(id: parent), authority: try AuthorityMap(c))
            for change in response.changes {
                _ = try self.apply(c, change, &ctx)
                touchedCatalogues = touchedCatalogues || change.entity == ReplicatedTable.catalogueEntries.name
            }
            var knowledge = ctx.knowledge
            if response.complete { knowledge.formJoin(response.knowledge) }
            try self.raiseKnowledge(c, to: knowledge)
            try self.setMeta(c, "pull_checkpoint", String(response.next))
            try self.setMeta(c, "parent_clock", String(response.clock))
            try self.setMeta(c, "parent_knowledge", response.knowledge.json)
            try self.setMeta(c, "sync_last_pull_at", Timestamp.now())
            summary.received = response.changes.count
            summary.add(ctx)
        }
        if touchedCatalogues { try reloadCatalogueCodes() }
        return summary
    }

    /// Applies the parent's answer to a push in one durable transaction: conflicts take
    /// the parent's resolved version; each refused change goes to quarantine with its
    /// reason and the authoritative version replaces it (or the row goes, when no
    /// version may exist); then the acknowledged checkpoint moves.
    public func applyPushResults(sent: [ChangeRecord], response: PushResponse, from parent: String) throws -> SyncStepSummary {
        var summary = SyncStepSummary()
        summary.sent = sent.count
        let bySeq = Dictionary(sent.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        // When everything was applied only bookkeeping changes here, and it need not be
        // durable: the parent's checkpoint is the one that counts (Protocol.md §7.9).
        let write: ((Connection) throws -> Void) throws -> Void = response.results.isEmpty
            ? { body in try self.db.write(body) } : { body in try self.db.durableWrite(body) }
        try write { c in
            var ctx = ApplyContext(source: .parent(id: parent), authority: try AuthorityMap(c))
            summary.applied = Int(response.applied)
            for result in response.results {
                switch result.status {
                case .applied: summary.applied += 1
                case .duplicate: summary.duplicates += 1
                case .conflict:
                    summary.conflicts += 1
                    if let current = result.current { _ = try self.apply(c, current, &ctx) }
                case .rejected:
                    summary.rejected += 1
                    guard let mine = bySeq[result.seq] else { continue }
                    try self.quarantine(c, mine, reason: result.reason ?? "rejected", message: result.message ?? "", parent: parent)
                    if let current = result.current {
                        _ = try self.apply(c, current, &ctx)
                    } else if let table = ReplicatedTable.byName[mine.entity],
                              try c.scalar("SELECT vv FROM \(table.name) WHERE id = ?", [mine.id], as: String.self) == mine.vv.json {
                        // Nothing may exist upstream and nothing newer was written here.
                        try c.execute("DELETE FROM \(table.name) WHERE id = ?", [mine.id])
                        try c.execute("DELETE FROM change_log WHERE entity = ? AND row_id = ?", [table.name, mine.id])
                    }
                }
            }
            try self.raiseKnowledge(c, to: ctx.knowledge)
            try self.setMeta(c, "push_checkpoint", String(response.checkpoint))
            try self.setMeta(c, "parent_clock", String(response.clock))
            try self.setMeta(c, "parent_knowledge", response.knowledge.json)
            try self.setMeta(c, "sync_last_push_at", Timestamp.now())
        }
        return summary
    }

    /// Keeps a refused version of this node's for an administrator.
    func quarantine(_ c: Connection, _ change: ChangeRecord, reason: String, message: String, parent: String) throws {
        var personID: String?
        if change.entity == DossierSchema.person.name { personID = change.id } else { personID = change.data["person_id"]?.stringValue }
        try c.execute("""
            INSERT INTO quarantine(entity, row_id, person_id, unit_id, origin, vv, data, deleted, reason, message, rejected_by, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [change.entity, change.id, personID, change.scope, change.origin, change.vv.json,
                  JSONValue.object(change.data).jsonString(), change.deleted, reason, message, parent, Timestamp.now()])
    }

    /// Records how the last sync cycle ended (for the status page and the dashboard).
    public func recordSyncOutcome(error: SyncError?) throws {
        try db.write { c in
            if let error {
                try self.setMeta(c, "sync_last_error", JSONValue.object([
                    "code": .string(error.code.rawValue), "message": .string(error.message), "at": .string(Timestamp.now()),
                ]).jsonString())
            } else {
                try self.setMeta(c, "sync_last_error", nil)
                try self.setMeta(c, "sync_last_ok_at", Timestamp.now())
            }
        }
    }
}
