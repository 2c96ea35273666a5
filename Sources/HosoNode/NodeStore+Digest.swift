import Dispatch
import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

extension NodeStore {
    /// Per-dossier digests of this replica: SHA-256 over the canonical JSON of the
    /// person row and every history row (content, version vector and tombstone flag),
    /// ordered by id. Two replicas hold the same version of a dossier exactly when the
    /// digests are equal (replication.md invariant 1). Copies kept of dossiers
    /// transferred away are not part of the replica and are left out.
    public func dossierDigests(units: Set<String>? = nil) throws -> [String: String] {
        try db.read { c in
            var parts: [String: [String]] = [:]
            var unitOf: [String: String] = [:]
            let away = Set(try c.rows("SELECT person_id FROM transferred_out").compactMap { $0.get("person_id", as: String.self) })
            for row in try c.rows("SELECT * FROM person ORDER BY id") where !away.contains(row.get("id") ?? "") {
                let record = self.record(table: ReplicatedTable.person, row: row, seq: 0, scope: nil)
                unitOf[record.id] = record.data["unit_id"]?.stringValue
                parts[record.id] = [Self.digestLine(record)]
            }
            for table in ReplicatedTable.dossierParts {
                for row in try c.rows("SELECT * FROM \(table.name) ORDER BY id") {
                    let record = self.record(table: table, row: row, seq: 0, scope: nil)
                    guard let person = record.data["person_id"]?.stringValue, !away.contains(person) else { continue }
                    parts[person, default: []].append(table.name + ":" + Self.digestLine(record))
                }
            }
            var digests: [String: String] = [:]
            for (person, lines) in parts {
                if let units, !(unitOf[person].map(units.contains) ?? false) { continue }
                digests[person] = SHA256.hex(Array(lines.sorted().joined(separator: "\n").utf8))
            }
            return digests
        }
    }

    static func digestLine(_ record: ChangeRecord) -> String {
        JSONValue.object(["id": .string(record.id), "content": record.content, "vv": record.vv.jsonValue]).jsonString()
    }

    /// Digests of every replicated row outside dossiers (units, catalogues, accounts,
    /// nodes, conflicts), by `table:id`.
    public func sharedDigests() throws -> [String: String] {
        try db.read { c in
            var digests: [String: String] = [:]
            for table in ReplicatedTable.all where table.scope.isShared && table.name != DossierSchema.person.name {
                for row in try c.rows("SELECT * FROM \(table.name)") {
                    let record = self.record(table: table, row: row, seq: 0, scope: nil)
                    digests["\(table.name):\(record.id)"] = SHA256.hex(Array(Self.digestLine(record).utf8))
                }
            }
            return digests
        }
    }
}

extension ReplicatedTable.Scope {
    /// True for tables that are not part of a dossier.
    var isShared: Bool {
        if case .dossier = self { return false }
        return true
    }
}

/// One stored version of a replicated row, for inspection (tests, diagnostics).
public struct RowVersion: Sendable, Equatable {
    public var entity: String
    public var id: String
    public var origin: String
    public var vv: VersionVector
    /// Canonical JSON of `{"data": ..., "deleted": ...}` — the form conflict records keep.
    public var content: String
}

extension NodeStore {
    /// The stored version of a replicated row (tombstones included), or nil.
    public func rowVersion(entity: String, id: String) throws -> RowVersion? {
        guard let table = ReplicatedTable.byName[entity] else { return nil }
        return try db.read { c in
            guard let row = try c.row("SELECT * FROM \(entity) WHERE id = ?", [id]) else { return nil }
            let record = self.record(table: table, row: row, seq: 0, scope: nil)
            return RowVersion(entity: entity, id: id, origin: record.origin, vv: record.vv,
                              content: record.content.jsonString())
        }
    }

    /// Every dossier row's version (person and history tables), by `entity:id`.
    public func dossierRowVersions() throws -> [String: RowVersion] {
        var result: [String: RowVersion] = [:]
        let ids: [(String, String)] = try db.read { c in
            var all: [(String, String)] = []
            for table in [ReplicatedTable.person] + ReplicatedTable.dossierParts {
                for row in try c.rows("SELECT id FROM \(table.name)") { all.append((table.name, row.get("id") ?? "")) }
            }
            return all
        }
        for (entity, id) in ids { result["\(entity):\(id)"] = try rowVersion(entity: entity, id: id) }
        return result
    }

    /// `PRAGMA foreign_key_check`: rows whose references are missing (empty when sound).
    public func foreignKeyProblems() throws -> [String] {
        try db.inDatabase { c in
            try c.rows("PRAGMA foreign_key_check").map { "\($0.get("table", as: String.self) ?? "?") → \($0.get("parent", as: String.self) ?? "?")" }
        }
    }
}

extension NodeStore {
    /// Every dossier row of this replica as change records (person rows first), for
    /// benchmarks and exports.
    public func dossierRecords() throws -> [ChangeRecord] {
        try db.read { c in
            var records: [ChangeRecord] = []
            for table in [ReplicatedTable.person] + ReplicatedTable.dossierParts {
                for row in try c.rows("SELECT * FROM \(table.name) ORDER BY id") {
                    records.append(self.record(table: table, row: row, seq: 0, scope: nil))
                }
            }
            return records
        }
    }

    /// Every row of one replicated table as change records (tests and diagnostics).
    public func replicatedRecords(_ entity: String) throws -> [ChangeRecord] {
        guard let table = ReplicatedTable.byName[entity] else { return [] }
        return try db.read { c in
            try c.rows("SELECT * FROM \(table.name) ORDER BY id").map { self.record(table: table, row: $0, seq: 0, scope: nil) }
        }
    }

    /// The benchmark floor: SQLite's own batched upsert of `records` into this replica's
    /// tables — the same rows and statements sync uses, but no validation, ownership,
    /// version comparison, change log or knowledge — `batchSize` rows per transaction,
    /// durable (`synchronous=FULL`) like a sync batch, or not. Returns rows per second.
    public func rawUpsert(_ records: [ChangeRecord], batchSize: Int, durable: Bool) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for start in stride(from: 0, to: records.count, by: batchSize) {
            let batch = records[start..<min(start + batchSize, records.count)]
            let body: (Connection) throws -> Void = { c in
                for record in batch {
                    guard let table = ReplicatedTable.byName[record.entity] else { continue }
                    try self.writeRow(c, table, record)
                }
            }
            if durable {
                try db.durableWrite(body)
            } else {
                try db.inDatabase { c in
                    try c.execute("PRAGMA foreign_keys = OFF")
                    defer { try? c.execute("PRAGMA foreign_keys = ON") }
                    try c.transaction { try body(c) }
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(records.count) / seconds
    }
}
