import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// Where a batch of received changes comes from, which decides the rules applied.
enum InboundSource: Sendable {
    /// A child pushing its branch's changes. `branch` holds the units it serves and
    /// everything below them, `roots` the units it serves; `knownCounter` is the highest
    /// counter of the child this node had processed before the batch; `continued` is
    /// the counter of a transaction the batch continues from the previous one, if any.
    case child(id: String, branch: Set<String>, roots: Set<String>, knownCounter: Int64, continued: Int64?)
    /// The parent: its versions are applied, concurrent ones resolved, never refused.
    case parent(id: String)

    var peer: String {
        switch self {
        case .child(let id, _, _, _, _), .parent(let id): id
        }
    }
}

/// State carried through one batch.
struct ApplyContext {
    let source: InboundSource
    let authority: AuthorityMap
    /// The join of every vector seen in the batch: the knowledge it brings.
    var knowledge = VersionVector()
    /// Person id → owning unit, as stored here (nil: no such person here).
    var personUnits: [String: String?] = [:]
    var applied = 0, duplicates = 0, conflicts = 0, rejected = 0
    /// The batch's wall-clock time, stamped on its log entries.
    let now = Timestamp.now()

    init(source: InboundSource, authority: AuthorityMap) {
        self.source = source
        self.authority = authority
    }

    var isFromChild: Bool { if case .child = source { true } else { false } }
}

/// A row as this replica stores it.
struct StoredVersion {
    let record: ChangeRecord
    var vv: VersionVector { record.vv }
    var data: JSONObject { record.data }
    var digest: String { record.contentDigest }
}

extension NodeStore {
    // MARK: Applying one change

    /// Applies one received version inside the caller's transaction and says what
    /// happened to it (Protocol.md §7.4–§7.6). Throws `SyncError(.identityConflict)` when
    /// the change proves that two processes write under the child's identity; the
    /// caller rolls the whole batch back.
    func apply(_ c: Connection, _ change: ChangeRecord, _ ctx: inout ApplyContext) throws -> ChangeResult {
        guard let table = ReplicatedTable.byName[change.entity] else {
            return try reject(c, nil, change, local: nil, reason: "invalid", message: "Bảng '\(change.entity)' không được đồng bộ.", &ctx)
        }
        let codes = self.codes
        let problems = table.problems(in: change.data) { catalogue, code in
            // A parent's rows are trusted for codes (it may know newer catalogue entries
            // than have arrived here); a child's must use codes this replica knows.
            !ctx.isFromChild || codes.containsAnyVersion(catalogue, code)
        }
        let local = try stored(c, table, id: change.id, scope: change.scope)
        if !problems.isEmpty {
            if case .parent = ctx.source {
                throw SyncError(.malformed, "The parent sent an invalid \(change.entity) row: \(problems.prefix(3).joined(separator: "; "))")
            }
            return try reject(c, table, change, local: local, reason: "invalid", message: "Dữ liệu không hợp lệ: \(problems.prefix(5).joined(separator: "; "))", &ctx)
        }
        guard let local else {
            if ctx.isFromChild {
                try checkIdentity(change, localVV: nil, ctx)
                if let denial = try ownershipDenial(c, table, change, local: nil, &ctx) {
                    return try reject(c, table, change, local: nil, reason: denial.reason, message: denial.message, &ctx)
                }
            }
            return try store(c, table, change, isNew: true, &ctx)
        }
        switch change.vv.compare(local.vv) {
        case .equal:
            if ctx.isFromChild && change.contentDigest != local.digest {
                throw SyncError(.identityConflict, "Node \(ctx.source.peer) sent a different \(change.entity) row under a version it had already sent (\(change.vv)): two processes are using one node identity.")
            }
            ctx.duplicates += 1
            ctx.knowledge.formJoin(change.vv)
            return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .duplicate)
        case .dominated:
            // A refused change is always dominated by the version stored in its place
            // (reject() makes sure), so only here can it be a re-send of one.
            if case .child(let childID, _, _, _, _) = ctx.source,
               let previous = try c.row("SELECT reason, message FROM sync_rejections WHERE peer = ? AND entity = ? AND row_id = ? AND vv = ?",
                                        [childID, change.entity, change.id, change.vv.json]) {
                ctx.rejected += 1
                return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .rejected,
                                    reason: previous.get("reason"), message: previous.get("message"), current: local.record)
            }
            ctx.duplicates += 1
            ctx.knowledge.formJoin(change.vv)
            return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .duplicate)
        case .dominates:
            if ctx.isFromChild && change.contentDigest != local.digest {
                try checkIdentity(change, localVV: local.vv, ctx)
                if let denial = try ownershipDenial(c, table, change, local: local, &ctx) {
                    return try reject(c, table, change, local: local, reason: denial.reason, message: denial.message, &ctx)
                }
            }
            // Equal content from anyone is only news about what the sender has seen.
            return try store(c, table, change, &ctx)
        case .concurrent:
            if ctx.isFromChild {
                try checkIdentity(change, localVV: local.vv, ctx)
                if let denial = try ownershipDenial(c, table, change, local: local, &ctx) {
                    return try reject(c, table, change, local: local, reason: denial.reason, message: denial.message, &ctx)
                }
            }
            return try resolve(c, table, change, local: local, &ctx)
        }
    }

    /// A child's own new event must have a counter above everything this node already
    /// had from it; otherwise another process used the same counters (a copied data
    /// directory, or a node restored from a backup that wrote again). The only
    /// exception is the rest of a transaction split over two batches.
    func checkIdentity(_ change: ChangeRecord, localVV: VersionVector?, _ ctx: ApplyContext) throws {
        guard case .child(let childID, _, _, let known, let continued) = ctx.source else { return }
        let counter = change.vv[childID]
        guard counter > (localVV?[childID] ?? 0), counter <= known, counter != continued else { return }
        throw SyncError(.identityConflict, "Node \(childID) sent a new \(change.entity) version with counter \(counter), below the \(known) already received from it: two processes are using one node identity, or the node was restored from a backup.")
    }

    /// Writes a received version and logs it as coming from the sender.
    func store(_ c: Connection, _ table: ReplicatedTable, _ change: ChangeRecord, isNew: Bool = false, _ ctx: inout ApplyContext) throws -> ChangeResult {
        do {
            try writeRow(c, table, change)
        } catch let error as SQLiteError where error.isConstraintViolation {
            guard ctx.isFromChild else { throw SyncError(.unavailable, "A \(change.entity) row from the parent collides with a local row (\(error.message)); retrying after this node's own changes are resolved.") }
            return try reject(c, table, change, local: try stored(c, table, id: change.id, scope: change.scope),
                              reason: "duplicate_key", message: "Trùng mã/khóa với dữ liệu đã có (\(Self.constraintName(error))).", &ctx)
        }
        try logRow(c, table, change, via: ctx.source.peer, isNew: isNew, &ctx)
        ctx.knowledge.formJoin(change.vv)
        ctx.applied += 1
        return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .applied)
    }

    /// Two versions written independently: the deterministic winner is stored with the
    /// join of both vectors (so it dominates both and the resolution converges), the
    /// loser goes to the conflict table. Conflict records themselves resolve silently.
    func resolve(_ c: Connection, _ table: ReplicatedTable, _ change: ChangeRecord, local: StoredVersion, _ ctx: inout ApplyContext) throws -> ChangeResult {
        let authority = try authorityNode(c, table, data: local.data, id: change.id, &ctx)
        let incoming = ConflictRule.Version(origin: change.origin, vv: change.vv, contentDigest: change.contentDigest)
        let kept = ConflictRule.Version(origin: local.record.origin, vv: local.vv, contentDigest: local.digest)
        var incomingWins = ConflictRule.prefers(incoming, over: kept, authority: authority)
        if case .handoffEvents = table.ownership, change.deleted != local.record.deleted {
            // A handoff event's tombstone is what a parent left of a forged event it refused
            // under the same deterministic id; the genuine step (which passed the ownership
            // check) replaces it.
            incomingWins = !change.deleted
        }
        var merged = incomingWins ? change : local.record
        merged.vv = local.vv.joined(change.vv)
        merged.seq = change.seq
        let loser = incomingWins ? local.record : change
        do {
            try writeRow(c, table, merged)
        } catch let error as SQLiteError where error.isConstraintViolation {
            guard ctx.isFromChild else { throw SyncError(.unavailable, "A resolved \(change.entity) row collides with a local row (\(error.message)).") }
            return try reject(c, table, change, local: local, reason: "duplicate_key", message: "Trùng mã/khóa với dữ liệu đã có (\(Self.constraintName(error))).", &ctx)
        }
        try logRow(c, table, merged, via: nil, &ctx)
        ctx.knowledge.formJoin(change.vv)
        switch table.ownership {
        case .conflictRecords, .handoffEvents:
            // Records about other rows resolve silently (their ids are deterministic).
            ctx.applied += 1
            return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .applied)
        default: break
        }
        try recordConflict(c, table, rowID: change.id, winner: merged, loser: loser, &ctx)
        ctx.conflicts += 1
        return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .conflict,
                            message: incomingWins ? "Phiên bản gửi lên được giữ; phiên bản tại đây lưu trong bảng xung đột."
                                                  : "Phiên bản tại đây được giữ; phiên bản gửi lên lưu trong bảng xung đột.",
                            current: merged)
    }

    /// Refuses a child's change: records the refusal (so a re-send gets the same
    /// answer) and makes the authoritative version dominate the refused one — the
    /// stored row gets the join of both vectors plus a new event of this node, or, when
    /// no row may exist, a tombstone does — so that the refused version is superseded
    /// everywhere it travelled, including replicas below the child.
    func reject(_ c: Connection, _ table: ReplicatedTable?, _ change: ChangeRecord, local: StoredVersion?,
                reason: String, message: String, _ ctx: inout ApplyContext) throws -> ChangeResult {
        guard case .child(let childID, _, _, _, _) = ctx.source else {
            throw SyncError(.malformed, "The parent sent a \(change.entity) row this node cannot store: \(message)")
        }
        try c.execute("""
            INSERT OR IGNORE INTO sync_rejections(peer, entity, row_id, vv, origin, reason, message, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [childID, change.entity, change.id, change.vv.json, change.origin, reason, message,
                  change.content.jsonString(), Timestamp.now()])
        ctx.rejected += 1
        var current: ChangeRecord?
        if let table {
            let counter = try tick(c)
            if let local {
                var restored = local.record
                restored.vv = local.vv.joined(change.vv)
                restored.vv[nodeID] = counter
                restored.origin = nodeID
                try writeRow(c, table, restored)
                try logRow(c, table, restored, via: nil, &ctx)
                current = restored
            } else if reason != "invalid" {
                var tombstone = change
                tombstone.vv[nodeID] = counter
                tombstone.origin = nodeID
                tombstone.deleted = true
                try writeRow(c, table, tombstone)
                try logRow(c, table, tombstone, via: nil, &ctx)
                current = tombstone
            }
        }
        return ChangeResult(seq: change.seq, entity: change.entity, id: change.id, status: .rejected, reason: reason, message: message, current: current)
    }

    // MARK: Ownership

    /// Why the child may not write this row, judged against the version stored here
    /// (never the incoming claim alone), or nil when it may.
    func ownershipDenial(_ c: Connection, _ table: ReplicatedTable, _ change: ChangeRecord, local: StoredVersion?,
                         _ ctx: inout ApplyContext) throws -> (reason: String, message: String)? {
        guard case .child(let childID, let branch, let roots, _, _) = ctx.source else { return nil }
        let notOwner = "not_owner"
        func string(_ data: JSONObject?, _ key: String) -> String? { data?[key]?.stringValue }
        switch table.ownership {
        case .hubOnly:
            return (notOwner, "Danh mục do Sở Nội vụ quản lý; nút cấp dưới không được sửa.")
        case .dossierRoot:
            let claimed = string(change.data, "unit_id") ?? ""
            if let stored = string(local?.data, "unit_id") {
                guard branch.contains(stored) else { return (notOwner, "Hồ sơ do đơn vị ngoài phạm vi của nút này quản lý.") }
                // Ownership moves only by a handoff this node has seen committed inside the branch.
                if claimed != stored, try !hasCommittedHandoff(c, person: change.id, from: stored, to: claimed) {
                    return (notOwner, "Đơn vị quản lý hồ sơ chỉ thay đổi qua thủ tục điều động, chuyển hồ sơ.")
                }
                if let frozen = try frozenDenial(c, person: change.id, change) { return frozen }
            } else {
                guard ctx.authority.knows(unit: claimed) else { return ("unknown_unit", "Không có đơn vị '\(claimed)'.") }
                guard branch.contains(claimed) else { return (notOwner, "Nút này không phục vụ đơn vị của hồ sơ.") }
            }
        case .dossierPart:
            let personID = string(change.data, "person_id") ?? ""
            if let stored = string(local?.data, "person_id"), stored != personID {
                return ("invalid", "Không được chuyển dòng sang hồ sơ khác.")
            }
            let unit = try personUnit(c, personID, &ctx) ?? change.scope
            guard let unit else { return ("unknown_dossier", "Không có hồ sơ '\(personID)'.") }
            guard branch.contains(unit) else { return (notOwner, "Hồ sơ do đơn vị ngoài phạm vi của nút này quản lý.") }
            if let frozen = try frozenDenial(c, person: personID, change) { return frozen }
        case .unitTree:
            if local != nil, !branch.contains(change.id) || roots.contains(change.id) {
                return (notOwner, "Chỉ được quản lý đơn vị trực thuộc các đơn vị nút phục vụ.")
            }
            guard let parent = string(change.data, "parent_id"), branch.contains(parent) else {
                return (notOwner, "Đơn vị mới phải trực thuộc đơn vị nút phục vụ.")
            }
        case .belowServedUnits(let column):
            for unit in [string(change.data, column), string(local?.data, column)].compactMap({ $0 }) {
                guard branch.contains(unit), !roots.contains(unit) else { return (notOwner, "Đơn vị ngoài phạm vi của nút này.") }
            }
        case .accounts:
            let role = string(change.data, "role").flatMap(Role.init(rawValue:))
            guard let role, role.scope != .province else { return (notOwner, "Nút cấp dưới không được tạo tài khoản toàn tỉnh.") }
            if let stored = local, string(stored.data, "unit_id").map(branch.contains) != true { return (notOwner, "Tài khoản của đơn vị khác.") }
            guard let unit = string(change.data, "unit_id"), branch.contains(unit) else { return (notOwner, "Tài khoản phải thuộc đơn vị nút phục vụ.") }
            // A civil servant's account reads the dossier it is tied to, wherever that is: a
            // new tie must be to a dossier in the branch. (Unknown here is fine: it may come
            // later in the push, and a dossier this node does not hold cannot be read through
            // it. An existing tie stays, e.g. after the person was transferred away.)
            if let person = string(change.data, "person_id"), person != string(local?.data, "person_id"),
               let held = try personUnit(c, person, &ctx), !branch.contains(held) {
                return (notOwner, "Tài khoản gắn với hồ sơ ngoài phạm vi của nút này.")
            }
        case .nodeRegistry:
            guard let parent = string(change.data, "parent_id"), parent != change.id,
                  parent == childID || ctx.authority.node(parent, isInBranchOf: childID) else {
                return (notOwner, "Chỉ được đăng ký nút con trong nhánh của mình.")
            }
            let units = (try? JSONValue.parse(string(change.data, "units") ?? ""))?.arrayValue?.compactMap(\.stringValue)
            guard let units, units.allSatisfy(branch.contains) else { return (notOwner, "Nút con chỉ phục vụ đơn vị trong phạm vi của nút cha.") }
        case .conflictRecords:
            if let unit = string(change.data, "unit_id"), !branch.contains(unit) { return (notOwner, "Xung đột về dữ liệu ngoài phạm vi.") }
            // "Keep the losing version" writes that version here: a child reports conflicts
            // only about rows of its branch, judged by what this node holds and by what the
            // losing version would write — not by the record's own (optional) unit_id.
            let outside = (notOwner, "Xung đột về dữ liệu ngoài phạm vi của nút này.")
            guard let target = ReplicatedTable.byName[string(change.data, "entity") ?? ""] else { return ("invalid", "Xung đột về bảng không có.") }
            let row = string(change.data, "row_id") ?? ""
            let loser = (try? JSONValue.parse(string(change.data, "loser_data") ?? ""))?["data"].objectValue
            let held = try stored(c, target, id: row, scope: nil)?.record.data
            var units: [String?] = []   // each must be named and in the branch
            var persons = [string(change.data, "person_id"), string(loser, "person_id")]   // their units, where known here
            switch target.ownership {
            case .dossierRoot:
                persons.append(row)
                units.append(string(loser, "unit_id"))
            case .dossierPart:
                persons.append(string(held, "person_id"))
            case .accounts:
                if held != nil { units.append(string(held, "unit_id")) }
                units.append(string(loser, "unit_id"))
                if let role = string(loser, "role").flatMap(Role.init(rawValue:)), role.scope == .province { return outside }
            case .belowServedUnits(let column):
                if held != nil { units.append(string(held, column)) }
                units.append(string(loser, column))
                if units.contains(where: { $0.map(roots.contains) == true }) { return outside }
            case .unitTree:
                guard !roots.contains(row) else { return outside }
                units += [row, string(loser, "parent_id")]
            case .hubOnly, .nodeRegistry, .conflictRecords, .handoffEvents:
                return outside
            }
            for person in persons.compactMap({ $0 }) { if let unit = try personUnit(c, person, &ctx) { units.append(unit) } }
            guard units.allSatisfy({ $0.map(branch.contains) == true }) else { return outside }
        case .handoffEvents:
            // Events are immutable; only a refused forgery's tombstone gives way to the genuine step.
            if let local, !local.record.deleted, local.digest != change.contentDigest { return ("invalid", "Sự kiện của thủ tục chuyển hồ sơ không được sửa.") }
            let from = string(change.data, "from_unit") ?? "", to = string(change.data, "to_unit") ?? ""
            switch HandoffEvent.Kind(rawValue: string(change.data, "kind") ?? "") {
            case .request?:
                guard branch.contains(from) else { return (notOwner, "Chỉ đơn vị quản lý hồ sơ hoặc cấp trên được đề nghị chuyển hồ sơ.") }
                // The person row may come later in the push (its log entry moves up with each
                // edit): unknown here is fine, but a dossier held under another unit is not.
                let stored = try personUnit(c, string(change.data, "person_id") ?? "", &ctx)
                guard stored == nil || stored == from else { return ("unknown_dossier", "Hồ sơ không thuộc đơn vị chuyển đi.") }
            case .prepare?, .cancel?:
                guard branch.contains(from) else { return (notOwner, "Bước này thuộc đơn vị chuyển đi.") }
            case .accept?, .refuse?, .deliver?:
                guard branch.contains(to) else { return (notOwner, "Bước này thuộc đơn vị nhận.") }
            case .commit?, .abort?:
                guard branch.contains(from) && branch.contains(to) else { return (notOwner, "Chỉ nút điều phối (cấp trên chung) được hoàn tất hoặc hủy thủ tục.") }
            case nil:
                return ("invalid", "Bước không hợp lệ.")
            }
        }
        return nil
    }

    /// The node whose version wins a conflict on this row.
    func authorityNode(_ c: Connection, _ table: ReplicatedTable, data: JSONObject, id: String, _ ctx: inout ApplyContext) throws -> String? {
        switch table.ownership {
        case .dossierRoot: return ctx.authority.authority(forUnit: data["unit_id"]?.stringValue)
        case .dossierPart:
            let unit = try personUnit(c, data["person_id"]?.stringValue ?? "", &ctx)
            return ctx.authority.authority(forUnit: unit)
        case .unitTree: return ctx.authority.authority(forUnit: data["parent_id"]?.stringValue)
        case .belowServedUnits(let column): return ctx.authority.authority(forUnit: data[column]?.stringValue)
        case .accounts: return ctx.authority.authority(forUnit: data["unit_id"]?.stringValue)
        case .hubOnly, .nodeRegistry: return ctx.authority.root
        case .conflictRecords, .handoffEvents: return nil
        }
    }

    /// The owning unit of a person as stored here (cached per batch).
    func personUnit(_ c: Connection, _ personID: String, _ ctx: inout ApplyContext) throws -> String? {
        if let cached = ctx.personUnits[personID] { return cached }
        let unit = try c.scalar("SELECT unit_id FROM person WHERE id = ?", [personID], as: String.self)
        ctx.personUnits[personID] = .some(unit)
        return unit
    }

    // MARK: Rows

    /// The stored version of a row, tombstones included.
    func stored(_ c: Connection, _ table: ReplicatedTable, id: String, scope: String?) throws -> StoredVersion? {
        guard let row = try c.row("SELECT * FROM \(table.name) WHERE id = ?", [id]) else { return nil }
        return StoredVersion(record: record(table: table, row: row, seq: 0, scope: scope))
    }

    /// Inserts or replaces a row with a received (or resolved) version.
    func writeRow(_ c: Connection, _ table: ReplicatedTable, _ change: ChangeRecord) throws {
        var values: [DatabaseValue] = [.text(change.id)]
        for column in table.columns {
            values.append(RecordCoding.databaseValue(change.data[column.name] ?? .null, type: column.type))
        }
        values += [.text(change.vv.json), .text(change.origin), change.author.map(DatabaseValue.text) ?? .null,
                   .text(change.createdAt), .text(change.updatedAt), .integer(change.deleted ? 1 : 0)]
        if table.name == DossierSchema.person.name {
            let name = change.data["full_name"]?.stringValue ?? ""
            values += [.text(VietnameseText.fold(name)), .text(VietnameseText.sortKey(fullName: name))]
        }
        try c.execute(Self.upsertSQL(table), values: values)
    }

    nonisolated(unsafe) private static var upsertCache: [String: String] = [:]
    private static let upsertLock = NSLock()

    /// `INSERT ... ON CONFLICT(id) DO UPDATE` over every replicated column of `table`.
    static func upsertSQL(_ table: ReplicatedTable) -> String {
        upsertLock.lock(); defer { upsertLock.unlock() }
        if let sql = upsertCache[table.name] { return sql }
        var columns = ["id"] + table.columns.map(\.name) + ReplicatedTable.systemColumns
        if table.name == DossierSchema.person.name { columns += ["name_fold", "name_sort"] }
        let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(table.name)(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", "))) ON CONFLICT(id) DO UPDATE SET \(updates)"
        upsertCache[table.name] = sql
        return sql
    }

    /// Logs a stored version (received: `via` the sender; resolved here: nil).
    func logRow(_ c: Connection, _ table: ReplicatedTable, _ change: ChangeRecord, via: String?, isNew: Bool = false,
                _ ctx: inout ApplyContext) throws {
        let scope: String?
        var scope2: String?
        var personID: String?
        switch table.scope {
        case .global: scope = nil
        case .twoUnits(let first, let second):
            scope = change.data[first]?.stringValue ?? Self.rootScope
            scope2 = change.data[second]?.stringValue
            personID = change.data["person_id"]?.stringValue
        case .unit(let column):
            scope = change.data[column]?.stringValue ?? Self.rootScope
            if table.name == DossierSchema.person.name { personID = change.id }
        case .dossier(let column):
            personID = change.data[column]?.stringValue
            scope = try personUnit(c, personID ?? "", &ctx) ?? change.scope ?? Self.rootScope
        }
        if table.name == DossierSchema.person.name { ctx.personUnits[change.id] = .some(change.data["unit_id"]?.stringValue) }
        // A row that did not exist here has no older log entry to drop.
        try appendLog(c, entity: table.name, rowID: change.id, origin: change.origin, counter: change.vv[change.origin],
                      personID: personID, scope: scope, scope2: scope2, via: via, at: ctx.now, isNew: isNew)
    }

    /// Keeps the losing version of a conflict, under an id derived from the two versions
    /// so that every replica finding the same conflict files the same record.
    func recordConflict(_ c: Connection, _ table: ReplicatedTable, rowID: String, winner: ChangeRecord, loser: ChangeRecord,
                        _ ctx: inout ApplyContext) throws {
        let digest = SHA256.hex("\(table.name)|\(rowID)|\(winner.vv.json)|\(loser.vv.json)|\(loser.contentDigest)")
        let id = Self.uuidShaped(digest)
        guard try c.scalar("SELECT count(*) FROM conflicts WHERE id = ?", [id], as: Int.self) == 0 else { return }
        var personID: String?, unitID: String?
        switch table.scope {
        case .dossier(let column):
            personID = winner.data[column]?.stringValue
            unitID = try personUnit(c, personID ?? "", &ctx)
        case .unit(let column):
            unitID = winner.data[column]?.stringValue
            if table.name == DossierSchema.person.name { personID = rowID }
        case .global, .twoUnits: break
        }
        func content(_ r: ChangeRecord) -> String { r.content.jsonString() }
        let counter = try tick(c)
        let now = Timestamp.now()
        let data: JSONObject = [
            "entity": .string(table.name), "row_id": .string(rowID), "person_id": personID.map(JSONValue.string) ?? .null,
            "unit_id": unitID.map(JSONValue.string) ?? .null, "winner_origin": .string(winner.origin), "winner_vv": .string(winner.vv.json),
            "winner_data": .string(content(winner)), "loser_origin": .string(loser.origin), "loser_vv": .string(loser.vv.json),
            "loser_data": .string(content(loser)), "detected_by": .string(nodeID), "detected_at": .string(now), "status": "open",
            "resolution": .null, "resolved_by": .null, "resolved_at": .null,
        ]
        let conflict = ChangeRecord(seq: 0, entity: ReplicatedTable.conflicts.name, id: id, origin: nodeID,
                                    vv: VersionVector([nodeID: counter]), author: nil, createdAt: now, updatedAt: now,
                                    deleted: false, scope: unitID, data: data)
        try writeRow(c, ReplicatedTable.conflicts, conflict)
        try logRow(c, ReplicatedTable.conflicts, conflict, via: nil, &ctx)
    }

    /// A hex digest shaped like a UUID (8-4-4-4-12), for deterministic ids.
    static func uuidShaped(_ hex: String) -> String {
        let h = Array(hex.prefix(32))
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }

    static func constraintName(_ error: SQLiteError) -> String {
        error.message.replacingOccurrences(of: "UNIQUE constraint failed: ", with: "")
    }
}
