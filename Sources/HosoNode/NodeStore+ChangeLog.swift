import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// Tells interested parties (the sync client) that the change log grew with something
/// the parent does not have yet.
///
/// `@unchecked Sendable`: `lock` guards `handlers`.
public final class ChangeNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private var handlers: [@Sendable () -> Void] = []

    /// Calls `handler` after every commit that appended such an entry.
    public func observe(_ handler: @escaping @Sendable () -> Void) {
        lock.lock(); defer { lock.unlock() }
        handlers.append(handler)
    }

    func fire() {
        lock.lock()
        let current = handlers
        lock.unlock()
        for handler in current { handler() }
    }
}

/// One entry of the change log.
public struct LogEntry: Sendable, Equatable {
    public let seq: Int64
    public let entity: String
    public let rowID: String
    public let origin: String
    public let counter: Int64
    public let scope: String?
}

extension NodeStore {
    /// The log scope of rows only the hub needs (accounts without a unit).
    static let rootScope = "#root"

    /// Records a local write in the change log (same transaction as the write).
    func logChange(_ c: Connection, entity: String, rowID: String, counter: Int64, personID: String?, scope: String?, scope2: String? = nil) throws {
        try appendLog(c, entity: entity, rowID: rowID, origin: nodeID, counter: counter, personID: personID, scope: scope, scope2: scope2, via: nil)
    }

    /// Appends a log entry and drops the row's older entries: the log holds each row
    /// once, at the position of its latest version, so a fresh replica reads every row
    /// once however often it was edited. Sequence numbers are never reused or reordered.
    ///
    /// `via` is the peer the version came from (nil: written or resolved here). Entries
    /// are never sent back to the peer they came from.
    func appendLog(_ c: Connection, entity: String, rowID: String, origin: String, counter: Int64,
                   personID: String?, scope: String?, scope2: String? = nil, via: String?, at: String? = nil, isNew: Bool = false) throws {
        if !isNew {
            try c.execute("DELETE FROM change_log WHERE entity = ? AND row_id = ?", values: [.text(entity), .text(rowID)])
        }
        try c.execute("""
            INSERT INTO change_log(entity, row_id, counter, person_id, at, origin, scope, via, scope2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values: [.text(entity), .text(rowID), .integer(counter), personID.map(DatabaseValue.text) ?? .null,
                          .text(at ?? Timestamp.now()), .text(origin), scope.map(DatabaseValue.text) ?? .null,
                          via.map(DatabaseValue.text) ?? .null, scope2.map(DatabaseValue.text) ?? .null])
        if via == nil || via != parentID {
            let notifier = changes
            c.afterCommit(once: "change-notifier") { notifier.fire() }
        }
    }

    /// Log entries after `seq`, in order (diagnostics and benchmarks).
    public func changeLogTail(after seq: Int64, limit: Int) throws -> [LogEntry] {
        try db.read { c in
            Self.entries(try c.rows("SELECT seq, entity, row_id, origin, counter, scope FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
                                    [seq, Int64(min(limit, Int(Int64.max)))]))
        }
    }

    /// The highest sequence number in the log now (0 when empty; diagnostics and benchmarks).
    public func changeLogEnd() throws -> Int64 {
        try db.read { try lastSeq($0) }
    }

    /// The highest sequence number in the log (0 when empty).
    func lastSeq(_ c: Connection) throws -> Int64 {
        try c.scalar("SELECT coalesce(max(seq), 0) FROM change_log", as: Int64.self) ?? 0
    }

    // MARK: Clock and knowledge

    /// This node's logical clock (the counter of its latest local write).
    func clock(_ c: Connection) throws -> Int64 {
        try c.scalar("SELECT CAST(value AS INTEGER) FROM node_meta WHERE key = 'clock'", as: Int64.self) ?? 0
    }

    /// This replica's knowledge vector: per origin, the highest counter it holds; its
    /// own entry is its clock.
    func knowledge(_ c: Connection) throws -> VersionVector {
        var vector = VersionVector()
        for row in try c.rows("SELECT origin, counter FROM knowledge") {
            if let origin: String = row.get("origin"), let counter: Int64 = row.get("counter") { vector[origin] = counter }
        }
        vector[nodeID] = try clock(c)
        return vector
    }

    /// Raises the stored knowledge to include `vector` (its own entry is the clock, not stored).
    func raiseKnowledge(_ c: Connection, to vector: VersionVector) throws {
        for (origin, counter) in vector.entries where origin != nodeID {
            try c.execute("""
                INSERT INTO knowledge(origin, counter) VALUES (?, ?)
                ON CONFLICT(origin) DO UPDATE SET counter = max(counter, excluded.counter)
                """, [origin, counter])
        }
    }

    /// Public snapshot of the knowledge vector.
    public func knowledgeVector() throws -> VersionVector {
        try db.read { c in try self.knowledge(c) }
    }

    // MARK: Reading batches

    /// The change records of `entries`, each carrying its row's current state, in log order.
    func records(_ c: Connection, for entries: [LogEntry]) throws -> [ChangeRecord] {
        var rowsByEntity: [String: [String: Row]] = [:]
        for (entity, group) in Dictionary(grouping: entries, by: \.entity) {
            guard ReplicatedTable.byName[entity] != nil else { continue }
            var found: [String: Row] = [:]
            let ids = group.map(\.rowID)
            for start in stride(from: 0, to: ids.count, by: 500) {
                let slice = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try c.rows("SELECT * FROM \(entity) WHERE id IN (\(marks))", slice) {
                    if let id: String = row.get("id") { found[id] = row }
                }
            }
            rowsByEntity[entity] = found
        }
        return entries.compactMap { entry in
            guard let table = ReplicatedTable.byName[entry.entity], let row = rowsByEntity[entry.entity]?[entry.rowID] else { return nil }
            return record(table: table, row: row, seq: entry.seq, scope: entry.scope)
        }
    }

    /// The change record of a stored row.
    func record(table: ReplicatedTable, row: Row, seq: Int64, scope: String?) -> ChangeRecord {
        ChangeRecord(seq: seq, entity: table.name, id: row.get("id") ?? "", origin: row.get("origin") ?? "",
                     vv: VersionVector(json: row.get("vv") ?? "{}"), author: row.get("author"),
                     createdAt: row.get("created_at") ?? "", updatedAt: row.get("updated_at") ?? "",
                     deleted: row.get("deleted") ?? false, scope: scope, data: table.data(of: row))
    }

    static func entries(_ rows: [Row]) -> [LogEntry] {
        rows.map { row in
            LogEntry(seq: row.get("seq") ?? 0, entity: row.get("entity") ?? "", rowID: row.get("row_id") ?? "",
                     origin: row.get("origin") ?? "", counter: row.get("counter") ?? 0, scope: row.get("scope"))
        }
    }

    /// Cuts `entries` (read `limit` plus some look-ahead) after at most `limit` entries
    /// and roughly `maxBytes`, at a transaction boundary: entries with the same origin
    /// and counter were written together and travel together. A transaction larger than
    /// the look-ahead is split.
    static func cut(_ entries: [LogEntry], limit: Int) -> [LogEntry] {
        guard entries.count > limit else { return entries }
        var end = limit
        while end < entries.count, entries[end].origin == entries[end - 1].origin, entries[end].counter == entries[end - 1].counter {
            end += 1
        }
        return Array(entries[..<end])
    }

    /// The next push batch for the parent: local entries and those relayed from this
    /// node's children, after `seq`, never what came from the parent itself. A batch
    /// holds whole transactions (the parent checks that a child never reuses a
    /// counter); only a transaction larger than the protocol's maximum is split, and
    /// the next batch says it `continues`. Returns the records, the log position the
    /// batch covers up to, and whether it continues a split transaction.
    public func pushBatch(after seq: Int64, limit: Int, maxBytes: Int) throws -> (changes: [ChangeRecord], toSeq: Int64, continues: Bool) {
        try db.read { c in
            let parent = try self.storedParentID(c) ?? ""
            let select = "SELECT seq, entity, row_id, origin, counter, scope FROM change_log"
            let rows = try c.rows("\(select) WHERE seq > ? AND (via IS NULL OR via <> ?) ORDER BY seq LIMIT ?", [seq, parent, limit])
            var entries = Self.entries(rows)
            if let last = entries.last, rows.count == limit {
                // Complete the last transaction.
                let rest = try c.rows("""
                    \(select) WHERE seq > ? AND (via IS NULL OR via <> ?) AND origin = ? AND counter = ? ORDER BY seq LIMIT ?
                    """, [last.seq, parent, last.origin, last.counter, PushRequest.maximumChanges - entries.count])
                entries += Self.entries(rest)
            }
            var changes = try self.records(c, for: entries)
            let trimmed = Self.trimmed(changes, maxBytes: maxBytes)
            if trimmed.count < changes.count, let last = trimmed.last {
                changes = trimmed
                entries = entries.filter { $0.seq <= last.seq }
            }
            var continues = false
            if let first = entries.first,
               let before = try c.row("\(select) WHERE seq <= ? AND (via IS NULL OR via <> ?) ORDER BY seq DESC LIMIT 1", [seq, parent]) {
                continues = before.get("origin") == first.origin && before.get("counter") == first.counter
            }
            // Covered up to the last entry read, or to the end of the log when the read
            // reached it (the entries skipped came from the parent).
            let toSeq = rows.count < limit ? try self.lastSeq(c) : (entries.last?.seq ?? seq)
            return (changes, max(toSeq, seq), continues)
        }
    }

    /// Drops trailing records beyond `maxBytes` (always keeps at least one, and keeps
    /// transactions whole where the byte limit allows).
    static func trimmed(_ changes: [ChangeRecord], maxBytes: Int) -> [ChangeRecord] {
        var total = 0
        for (index, change) in changes.enumerated() {
            total += change.data.count * 24 + 200
            for value in change.data.values { if case .string(let s) = value { total += s.utf8.count } }
            if total > maxBytes && index > 0 {
                var end = index
                while end > 1, changes[end - 1].origin == changes[end].origin, changes[end - 1].vv[changes[end].origin] == changes[end].vv[changes[end].origin] {
                    end -= 1
                }
                return Array(changes[..<end])
            }
        }
        return changes
    }

    /// The next pull batch for a child: entries after `since` that the child's scope
    /// needs (global rows, and rows scoped to one of `scopeUnits`), never what came from
    /// the child itself.
    func pullBatch(for child: String, scopeUnits: [String], since: Int64, limit: Int, maxBytes: Int) throws -> PullResponse {
        try db.read { c in
            let lookahead = limit + 256
            let unitList = JSONValue.array(scopeUnits.map(JSONValue.string)).jsonString()
            let rows = try c.rows("""
                SELECT seq, entity, row_id, origin, counter, scope FROM change_log
                WHERE seq > ?1 AND (via IS NULL OR via <> ?2)
                  AND (scope IS NULL OR scope IN (SELECT value FROM json_each(?3)) OR scope2 IN (SELECT value FROM json_each(?3)))
                ORDER BY seq LIMIT ?4
                """, [since, child, unitList, lookahead])
            var entries = Self.cut(Self.entries(rows), limit: limit)
            let changes = Self.trimmed(try self.records(c, for: entries), maxBytes: maxBytes)
            if changes.count < entries.count, let last = changes.last {
                entries = entries.filter { $0.seq <= last.seq }
            }
            let complete = rows.count < lookahead && entries.count == rows.count
            let next = complete ? max(try self.lastSeq(c), since) : (entries.last?.seq ?? since)
            return PullResponse(changes: changes, next: next, complete: complete, knowledge: try self.knowledge(c), clock: try self.clock(c))
        }
    }
}
