import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// A conflict as the API shows it: both versions, who wrote them, which one is kept.
public struct ConflictDTO: Sendable, Codable, Equatable {
    public var id: String
    public var entity: String
    public var row_id: String
    public var person_id: String?
    public var unit_id: String?
    public var winner_origin: String
    public var winner_version: [String: Int64]
    public var winner: JSONValue
    public var loser_origin: String
    public var loser_version: [String: Int64]
    public var loser: JSONValue
    public var detected_by: String
    public var detected_at: String
    public var status: String
    public var resolution: String?
    public var resolved_by: String?
    public var resolved_at: String?
}

/// A refused change of this node's, kept in quarantine.
public struct QuarantineDTO: Sendable, Codable, Equatable {
    public var id: Int64
    public var entity: String
    public var row_id: String
    public var person_id: String?
    public var unit_id: String?
    public var version: [String: Int64]
    public var data: JSONValue
    public var deleted: Bool
    public var reason: String
    public var message: String
    public var rejected_by: String
    public var at: String
    public var status: String
    public var resolved_by: String?
    public var resolved_at: String?
}

extension NodeStore {
    // MARK: Conflicts

    /// Conflicts in the principal's reach (`status`: open, resolved or nil for all).
    public func conflicts(_ actor: Principal, status: String?) throws -> [ConflictDTO] {
        try actor.require(.readDossier)
        guard actor.role.scope != .ownDossier else { throw NodeError.forbidden() }
        return try db.read { c in
            try c.rows("SELECT * FROM conflicts WHERE deleted = 0 AND (? IS NULL OR status = ?) ORDER BY detected_at DESC LIMIT 1000",
                       [status, status]).compactMap { row -> ConflictDTO? in
                let unit: String? = row.get("unit_id")
                guard actor.role.scope == .province || unit.map(actor.reaches(unit:)) == true else { return nil }
                return Self.conflict(from: row)
            }
        }
    }

    static func conflict(from row: Row) -> ConflictDTO {
        func json(_ column: String) -> JSONValue { (try? JSONValue.parse(row.get(column) ?? "null")) ?? .null }
        return ConflictDTO(
            id: row.get("id") ?? "", entity: row.get("entity") ?? "", row_id: row.get("row_id") ?? "", person_id: row.get("person_id"),
            unit_id: row.get("unit_id"), winner_origin: row.get("winner_origin") ?? "",
            winner_version: VersionVector(json: row.get("winner_vv") ?? "{}").entries, winner: json("winner_data"),
            loser_origin: row.get("loser_origin") ?? "", loser_version: VersionVector(json: row.get("loser_vv") ?? "{}").entries,
            loser: json("loser_data"), detected_by: row.get("detected_by") ?? "", detected_at: row.get("detected_at") ?? "",
            status: row.get("status") ?? "", resolution: row.get("resolution"), resolved_by: row.get("resolved_by"), resolved_at: row.get("resolved_at"))
    }

    /// Resolves a conflict: `keep: "winner"` confirms the stored version; `keep: "loser"`
    /// writes the losing content as a new version (which dominates both, so it wins
    /// everywhere). Needs the right to write the row.
    public func resolveConflict(_ actor: Principal, id: String, keep: String, note: String?) throws -> ConflictDTO {
        guard keep == "winner" || keep == "loser" else {
            throw NodeError.validation([FieldError(field: "keep", code: "invalid_format", message: "Chọn 'winner' (giữ bản đang dùng) hoặc 'loser' (khôi phục bản bị thay).")])
        }
        return try db.write { c in
            guard let row = try c.row("SELECT * FROM conflicts WHERE id = ? AND deleted = 0", [id]) else { throw NodeError.notFound("xung đột") }
            let conflict = Self.conflict(from: row)
            guard conflict.status == "open" else { throw NodeError(.conflict, "already_resolved", "Xung đột này đã được xử lý.") }
            try self.requireWriteAccess(c, actor, entity: conflict.entity, unitID: conflict.unit_id, personID: conflict.person_id)
            if keep == "loser", let table = ReplicatedTable.byName[conflict.entity] {
                try self.writeLocalVersion(c, actor, table, id: conflict.row_id, data: conflict.loser["data"].objectValue ?? [:],
                                           deleted: conflict.loser["deleted"].boolValue ?? false)
            }
            var data = ReplicatedTable.conflicts.data(of: row)
            let now = Timestamp.now()
            data["status"] = "resolved"
            data["resolution"] = .string((keep == "winner" ? "giữ bản thắng" : "khôi phục bản thua") + (note.map { ": \($0.prefix(500))" } ?? ""))
            data["resolved_by"] = .string(actor.username)
            data["resolved_at"] = .string(now)
            try self.writeLocalVersion(c, actor, ReplicatedTable.conflicts, id: id, data: data, deleted: false)
            try self.audit(c, actor, action: "resolve_conflict", entity: conflict.entity, entityID: conflict.row_id, personID: conflict.person_id,
                           unitID: conflict.unit_id, changes: .object(["conflict": .string(id), "keep": .string(keep)]))
            return Self.conflict(from: try c.row("SELECT * FROM conflicts WHERE id = ?", [id])!)
        }
    }

    // MARK: Quarantine

    /// This node's refused changes in the principal's reach.
    public func quarantined(_ actor: Principal, status: String?) throws -> [QuarantineDTO] {
        try actor.require(.writeDossier)
        return try db.read { c in
            try c.rows("SELECT * FROM quarantine WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT 1000", [status, status])
                .compactMap { row -> QuarantineDTO? in
                    let unit: String? = row.get("unit_id")
                    guard actor.role.scope == .province || unit.map(actor.reaches(unit:)) == true else { return nil }
                    return Self.quarantineItem(from: row)
                }
        }
    }

    static func quarantineItem(from row: Row) -> QuarantineDTO {
        QuarantineDTO(id: row.get("id") ?? 0, entity: row.get("entity") ?? "", row_id: row.get("row_id") ?? "", person_id: row.get("person_id"),
                      unit_id: row.get("unit_id"), version: VersionVector(json: row.get("vv") ?? "{}").entries,
                      data: (try? JSONValue.parse(row.get("data") ?? "{}")) ?? .null, deleted: row.get("deleted") ?? false,
                      reason: row.get("reason") ?? "", message: row.get("message") ?? "", rejected_by: row.get("rejected_by") ?? "",
                      at: row.get("at") ?? "", status: row.get("status") ?? "", resolved_by: row.get("resolved_by"), resolved_at: row.get("resolved_at"))
    }

    /// Discards a quarantined change, or re-applies it as a new local version (it goes
    /// up again with the next sync and is judged again).
    public func resolveQuarantine(_ actor: Principal, id: Int64, action: String) throws -> QuarantineDTO {
        guard action == "discard" || action == "reapply" else {
            throw NodeError.validation([FieldError(field: "action", code: "invalid_format", message: "Chọn 'discard' (bỏ) hoặc 'reapply' (ghi lại).")])
        }
        return try db.write { c in
            guard let row = try c.row("SELECT * FROM quarantine WHERE id = ?", [id]) else { throw NodeError.notFound("thay đổi bị từ chối") }
            let item = Self.quarantineItem(from: row)
            guard item.status == "open" else { throw NodeError(.conflict, "already_resolved", "Thay đổi này đã được xử lý.") }
            try self.requireWriteAccess(c, actor, entity: item.entity, unitID: item.unit_id, personID: item.person_id)
            if action == "reapply", let table = ReplicatedTable.byName[item.entity] {
                try self.writeLocalVersion(c, actor, table, id: item.row_id, data: item.data.objectValue ?? [:], deleted: item.deleted)
            }
            try c.execute("UPDATE quarantine SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
                          [action == "discard" ? "discarded" : "reapplied", actor.username, Timestamp.now(), id])
            try self.audit(c, actor, action: "resolve_quarantine", entity: item.entity, entityID: item.row_id, personID: item.person_id,
                           unitID: item.unit_id, changes: .object(["quarantine": .number(Double(id)), "action": .string(action)]))
            return Self.quarantineItem(from: try c.row("SELECT * FROM quarantine WHERE id = ?", [id])!)
        }
    }

    // MARK: Helpers

    /// Throws unless the principal may write a row about `unitID` / `personID`.
    func requireWriteAccess(_ c: Connection, _ actor: Principal, entity: String, unitID: String?, personID: String?) throws {
        if actor.role == .admin { return }
        try actor.require(.writeDossier)
        guard let unitID, actor.reaches(unit: unitID) else { throw NodeError.forbidden("Dữ liệu ngoài phạm vi quản lý.") }
    }

    /// Writes `data` as a new local version of a row (creating it if absent) and logs it.
    func writeLocalVersion(_ c: Connection, _ actor: Principal, _ table: ReplicatedTable, id: String, data: JSONObject, deleted: Bool) throws {
        if table.name == DossierSchema.person.name || ReplicatedTable.dossierParts.contains(where: { $0.name == table.name }) {
            let person = table.name == DossierSchema.person.name ? id : (data["person_id"]?.stringValue ?? "")
            try requireWritable(c, actor, person: person, archived: false)
        }
        let problems = table.problems(in: data) { _, _ in true }
        if !problems.isEmpty { throw NodeError.validation(problems.map { FieldError(field: "data", code: "invalid", message: $0) }) }
        let counter = try tick(c)
        let now = Timestamp.now()
        let existing = try stored(c, table, id: id, scope: nil)
        var vv = existing?.vv ?? VersionVector()
        vv[nodeID] = counter
        let change = ChangeRecord(seq: 0, entity: table.name, id: id, origin: nodeID, vv: vv, author: actor.userID,
                                  createdAt: existing?.record.createdAt ?? now, updatedAt: now, deleted: deleted, scope: nil, data: data)
        try writeRow(c, table, change)
        var ctx = ApplyContext(source: .parent(id: ""), authority: try AuthorityMap(c))
        try logRow(c, table, change, via: nil, &ctx)
    }

    // MARK: Status

    /// This node's sync state (`settings` nil: the node has no parent).
    public func syncStatus(settings: SyncSettings?) throws -> SyncStatus {
        try db.read { c in
            let pushCheckpoint = Int64(try self.meta(c, "push_checkpoint") ?? "0") ?? 0
            let parent = try self.storedParentID(c) ?? ""
            let pending = try c.scalar("SELECT count(*) FROM change_log WHERE seq > ? AND (via IS NULL OR via <> ?)",
                                       [pushCheckpoint, parent], as: Int.self) ?? 0
            let lastError = (try? JSONValue.parse(try self.meta(c, "sync_last_error") ?? "null")) ?? .null
            let lastOK = try self.meta(c, "sync_last_ok_at")
            let state: String
            if settings == nil { state = "standalone" }
            else if settings?.enabled == false && lastOK == nil && lastError == .null { state = "disabled" }
            else if let code = lastError["code"].stringValue {
                state = SyncError(SyncError.Code(rawValue: code) ?? .internal, "").isRetryable ? "offline" : "error"
            } else { state = lastOK == nil ? "never" : "ok" }
            return SyncStatus(
                state: state, parent_url: settings?.parent_url, parent_id: parent.isEmpty ? nil : parent, parent_name: try self.meta(c, "parent_name"),
                last_success_at: lastOK, last_attempt_at: try self.meta(c, "sync_last_attempt_at"),
                last_error_code: lastError["code"].stringValue, last_error: lastError["message"].stringValue,
                pending_changes: settings == nil ? 0 : pending,
                quarantined: try c.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'", as: Int.self) ?? 0,
                open_conflicts: try c.scalar("SELECT count(*) FROM conflicts WHERE status = 'open' AND deleted = 0", as: Int.self) ?? 0,
                push_checkpoint: pushCheckpoint, pull_checkpoint: Int64(try self.meta(c, "pull_checkpoint") ?? "0") ?? 0,
                clock: try self.clock(c))
        }
    }
}
