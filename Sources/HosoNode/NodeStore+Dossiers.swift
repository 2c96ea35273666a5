import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// A page of dossier summaries.
public struct DossierPage: Sendable {
    public var items: [JSONObject]
    public var total: Int
    public var page: Int
    public var perPage: Int
}

/// Filters for listing dossiers.
public struct DossierFilter: Sendable {
    /// Name (any case, with or without diacritics) or the start of a personal id.
    public var query: String?
    /// Only this unit (and, with `includeSubunits`, its descendants).
    public var unitID: String?
    public var includeSubunits = true
    /// `employment_status` code.
    public var status: String?
    public var page = 1
    public var perPage = 50

    public init(query: String? = nil, unitID: String? = nil, includeSubunits: Bool = true, status: String? = nil, page: Int = 1, perPage: Int = 50) {
        self.query = query
        self.unitID = unitID
        self.includeSubunits = includeSubunits
        self.status = status
        self.page = page
        self.perPage = perPage
    }
}

extension NodeStore {
    static let summaryColumns = ["full_name", "birth_date", "sex", "personal_id", "position_title", "ngach", "employment_status", "staff_category"]

    // MARK: Create

    /// Creates a whole dossier — the person and any history rows sent with it — in one
    /// transaction. Either all of it is valid and stored, or nothing is.
    public func createDossier(_ actor: Principal, _ body: JSONObject) throws -> JSONObject {
        try actor.require(.writeDossier)
        let draft = try validatedDossier(body)
        let personID = RecordID.make()
        try db.write { c in try self.insertDossier(c, actor, id: personID, draft) }
        return try dossierDocument(personID: personID)
    }

    /// A dossier checked field by field and ready to store.
    struct DossierDraft {
        var unitID: String
        /// The person's normalised fields.
        var person: JSONObject
        var subRecords: [(RecordKind, [JSONObject])] = []
    }

    /// Validates a create body (`unit_id`, the person's fields, history tables as arrays);
    /// every problem at once.
    func validatedDossier(_ body: JSONObject) throws -> DossierDraft {
        var personFields = body
        guard case .string(let unitID)? = personFields.removeValue(forKey: "unit_id"), !unitID.isEmpty else {
            throw NodeError.validation([FieldError(field: "unit_id", code: "required", message: "Cần chọn đơn vị quản lý hồ sơ.")])
        }
        var subRecords: [(RecordKind, [JSONObject])] = []
        var errors: [FieldError] = []
        for kind in DossierSchema.subRecordKinds {
            guard let value = personFields.removeValue(forKey: kind.jsonKey) else { continue }
            guard case .array(let items) = value else {
                errors.append(FieldError(field: kind.jsonKey, code: "invalid_type", message: "\(kind.label) phải là một danh sách."))
                continue
            }
            var objects: [JSONObject] = []
            for (index, item) in items.enumerated() {
                guard case .object(let o) = item else {
                    errors.append(FieldError(field: "\(kind.jsonKey)[\(index)]", code: "invalid_type", message: "Mỗi dòng \(kind.label) phải là một đối tượng."))
                    continue
                }
                objects.append(o)
            }
            subRecords.append((kind, objects))
        }
        let validator = validator()
        var person: JSONObject = [:]
        do { person = try validator.validate(kind: DossierSchema.person, submitted: personFields, merged: [:]) }
        catch { errors += error.errors }
        var validatedSubs: [(RecordKind, [JSONObject])] = []
        for (kind, items) in subRecords {
            var rows: [JSONObject] = []
            for (index, item) in items.enumerated() {
                do { rows.append(try validator.validate(kind: kind, submitted: item, merged: [:])) }
                catch { errors += error.errors.map { $0.prefixed("\(kind.jsonKey)[\(index)].") } }
            }
            validatedSubs.append((kind, rows))
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        return DossierDraft(unitID: unitID, person: withDefaultStatus(person), subRecords: validatedSubs)
    }

    /// A new dossier without an employment status is of someone at work.
    func withDefaultStatus(_ person: JSONObject) -> JSONObject {
        var person = person
        if person["employment_status"] == nil, codes.contains(.tinhTrangCongTac, "dang_cong_tac") {
            person["employment_status"] = .string("dang_cong_tac")
        }
        return person
    }

    /// Stores a validated dossier inside the caller's write transaction: the unit must
    /// exist and be in the actor's reach, the personal id unused; the person and its
    /// history rows go into the change log and the audit log under one counter.
    func insertDossier(_ c: Connection, _ actor: Principal, id personID: String, _ draft: DossierDraft) throws {
        _ = try self.referencedUnit(c, id: draft.unitID, field: "unit_id")
        guard actor.reaches(unit: draft.unitID) else { throw NodeError.forbidden("Không được tạo hồ sơ cho đơn vị ngoài phạm vi quản lý.") }
        try self.checkUniquePersonalID(c, draft.person["personal_id"], excluding: nil)
        let counter = try self.tick(c)
        try self.insertPerson(c, actor, id: personID, unitID: draft.unitID, fields: draft.person, counter: counter)
        for (kind, rows) in draft.subRecords {
            for row in rows {
                try self.insertSubRecord(c, actor, kind: kind, personID: personID, unitID: draft.unitID, fields: row, counter: counter)
            }
        }
    }

    func insertPerson(_ c: Connection, _ actor: Principal, id: String, unitID: String, fields: JSONObject, counter: Int64) throws {
        let kind = DossierSchema.person
        let fullName = fields["full_name"]?.stringValue ?? ""
        var columns = ["id", "unit_id", "name_fold", "name_sort", "vv", "origin", "author", "created_at", "updated_at"]
        let now = Timestamp.now()
        var values: [DatabaseValue] = [.text(id), .text(unitID), .text(VietnameseText.fold(fullName)),
                                       .text(VietnameseText.sortKey(fullName: fullName)), .text(nextVector(nil, counter: counter)),
                                       .text(nodeID), actor.userID.databaseValue, .text(now), .text(now)]
        for field in kind.fields where fields[field.name] != nil {
            columns.append(field.name)
            values.append(RecordCoding.databaseValue(fields[field.name]!, type: field.type))
        }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try c.execute("INSERT INTO person(\(columns.joined(separator: ", "))) VALUES (\(placeholders))", values)
        try logChange(c, entity: kind.name, rowID: id, counter: counter, personID: id, scope: unitID)
        try audit(c, actor, action: "create", entity: kind.name, entityID: id, personID: id, unitID: unitID,
                  changes: Self.fieldChanges(old: [:], new: fields))
    }

    @discardableResult
    func insertSubRecord(_ c: Connection, _ actor: Principal, kind: RecordKind, personID: String, unitID: String,
                         fields: JSONObject, counter: Int64) throws -> String {
        let id = RecordID.make()
        let now = Timestamp.now()
        var columns = ["id", "person_id", "vv", "origin", "author", "created_at", "updated_at"]
        var values: [DatabaseValue] = [.text(id), .text(personID), .text(nextVector(nil, counter: counter)), .text(nodeID),
                                       actor.userID.databaseValue, .text(now), .text(now)]
        for field in kind.fields where fields[field.name] != nil {
            columns.append(field.name)
            values.append(RecordCoding.databaseValue(fields[field.name]!, type: field.type))
        }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try c.execute("INSERT INTO \(kind.name)(\(columns.joined(separator: ", "))) VALUES (\(placeholders))", values)
        try logChange(c, entity: kind.name, rowID: id, counter: counter, personID: personID, scope: unitID)
        try audit(c, actor, action: "create", entity: kind.name, entityID: id, personID: personID, unitID: unitID,
                  changes: Self.fieldChanges(old: [:], new: fields))
        return id
    }

    /// Refuses edits of a dossier that moved away, is being moved, or is archived
    /// (admins may still correct an archived dossier).
    func requireWritable(_ c: Connection, _ actor: Principal, person: String, archived: Bool) throws {
        if let to = try c.scalar("SELECT to_unit FROM transferred_out WHERE person_id = ?", [person], as: String.self) {
            let name = try c.scalar("SELECT name FROM units WHERE id = ?", [to], as: String.self) ?? to
            throw NodeError(.conflict, "transferred_out", "Hồ sơ đã chuyển sang \(name); bản tại đây chỉ để xem.")
        }
        try requireNotFrozen(c, person: person)
        if archived && actor.role != .admin {
            throw NodeError(.conflict, "archived", "Hồ sơ đã lưu trữ (nghỉ hưu, thôi việc, từ trần hoặc chuyển đi); chỉ quản trị được sửa.")
        }
    }

    func checkUniquePersonalID(_ c: Connection, _ value: JSONValue?, excluding personID: String?) throws {
        guard let id = value?.stringValue else { return }
        let count = try c.scalar("SELECT count(*) FROM person WHERE personal_id = ? AND deleted = 0 AND id <> ?", [id, personID ?? ""], as: Int.self) ?? 0
        if count > 0 {
            throw NodeError.validation([FieldError(field: "personal_id", code: "duplicate", message: "Số định danh cá nhân này đã có hồ sơ khác.")])
        }
    }

    // MARK: Read

    /// Loads the person row and checks the principal may read it.
    func authorisedPerson(_ c: Connection, _ actor: Principal, id: String, permission: Permission) throws -> Row {
        try actor.require(permission)
        guard let row = try c.row("SELECT * FROM person WHERE id = ? AND deleted = 0", [id]) else {
            throw NodeError.notFound("hồ sơ")
        }
        // Out-of-scope dossiers answer 404, not 403: their existence is itself confidential.
        guard actor.reaches(dossierUnit: row.get("unit_id") ?? "", personID: id) else { throw NodeError.notFound("hồ sơ") }
        if permission == .writeDossier {
            try requireWritable(c, actor, person: id, archived: row.get("archived_at", as: String.self) != nil)
        }
        return row
    }

    /// The whole dossier (person + every history table). The read is audited.
    public func dossier(_ actor: Principal, id: String) throws -> JSONObject {
        try db.write { c in
            let row = try self.authorisedPerson(c, actor, id: id, permission: .readDossier)
            try self.audit(c, actor, action: "read", entity: "dossier", entityID: id, personID: id, unitID: row.get("unit_id"))
            return try self.dossierDocument(c, personRow: row)
        }
    }

    func dossierDocument(personID: String) throws -> JSONObject {
        try db.read { c in
            guard let row = try c.row("SELECT * FROM person WHERE id = ?", [personID]) else { throw NodeError.notFound("hồ sơ") }
            return try self.dossierDocument(c, personRow: row)
        }
    }

    func dossierDocument(_ c: Connection, personRow: Row) throws -> JSONObject {
        var document = RecordCoding.object(personRow, kind: DossierSchema.person)
        let personID: String = personRow.get("id") ?? ""
        if let unitID: String = personRow.get("unit_id"), let name = try c.scalar("SELECT name FROM units WHERE id = ?", [unitID], as: String.self) {
            document["unit_name"] = .string(name)
        }
        for kind in DossierSchema.subRecordKinds {
            document[kind.jsonKey] = .array(try subRecordRows(c, kind: kind, personID: personID).map { .object($0) })
        }
        // Why the dossier may be read-only here (Protocol.md §8): archived, frozen by a
        // transfer in progress, or transferred away from this replica's units.
        document["archived_at"] = personRow.get("archived_at", as: String.self).map(JSONValue.string) ?? .null
        func unitName(_ id: String) throws -> JSONValue {
            try c.scalar("SELECT name FROM units WHERE id = ?", [id], as: String.self).map(JSONValue.string) ?? .null
        }
        document["handoff"] = .null
        for (id, events) in try handoffEvents(c, where: "person_id = ?", [personID]) {
            let state = HandoffState(events)
            guard state.freezesDossier, let to = try c.scalar("SELECT to_unit FROM handoff_events WHERE handoff_id = ? AND kind = 'request' AND deleted = 0",
                                                              [id], as: String.self) else { continue }
            document["handoff"] = .object(["id": .string(id), "state": .string(state.phase.rawValue), "to_unit": .string(to), "to_unit_name": try unitName(to)])
        }
        document["transferred_out"] = .null
        if let away = try c.row("SELECT handoff_id, to_unit, at FROM transferred_out WHERE person_id = ?", [personID]) {
            let to: String = away.get("to_unit") ?? ""
            document["transferred_out"] = .object(["handoff_id": .string(away.get("handoff_id") ?? ""), "to_unit": .string(to),
                                                   "to_unit_name": try unitName(to), "at": .string(away.get("at") ?? "")])
        }
        return document
    }

    func subRecordRows(_ c: Connection, kind: RecordKind, personID: String) throws -> [JSONObject] {
        let order = kind.fields.first.map { "\($0.name), " } ?? ""
        return try c.rows("SELECT * FROM \(kind.name) WHERE person_id = ? AND deleted = 0 ORDER BY \(order)id", [personID])
            .map { RecordCoding.object($0, kind: kind) }
    }

    /// Lists dossiers in the principal's reach, sorted the Vietnamese way.
    public func listDossiers(_ actor: Principal, _ filter: DossierFilter) throws -> DossierPage {
        try actor.require(.readDossier)
        let perPage = min(max(filter.perPage, 1), 200)
        let page = min(max(filter.page, 1), 10_000_000)
        return try db.read { c in
            var (conditions, arguments) = Self.reachConditions(actor)
            if let unitID = filter.unitID {
                let units = filter.includeSubunits ? try self.subtree(c, of: unitID).sorted() : [unitID]
                conditions.append("p.unit_id IN (\(units.isEmpty ? "NULL" : units.map { _ in "?" }.joined(separator: ",")))")
                arguments += units
            }
            if let status = filter.status, !status.isEmpty {
                conditions.append("p.employment_status = ?")
                arguments.append(status)
            }
            if let query = filter.query?.trimmingCharacters(in: .whitespaces), !query.isEmpty {
                if query.allSatisfy(\.isNumber) {
                    conditions.append("p.personal_id LIKE ? ESCAPE '\\'")
                    arguments.append(Self.likeEscaped(query) + "%")
                } else {
                    conditions.append("p.name_fold LIKE ? ESCAPE '\\'")
                    arguments.append("%" + Self.likeEscaped(VietnameseText.fold(query)) + "%")
                }
            }
            return try self.summaryPage(c, conditions, arguments, order: "p.name_sort, p.id", page: page, perPage: perPage)
        }
    }

    /// The conditions that keep a dossier query within the principal's reach (and out of
    /// copies transferred away).
    static func reachConditions(_ actor: Principal) -> ([String], [DatabaseValueConvertible]) {
        var conditions = ["p.deleted = 0", "p.id NOT IN (SELECT person_id FROM transferred_out)"]
        var arguments: [DatabaseValueConvertible] = []
        switch actor.role.scope {
        case .province: break
        case .unitSubtree:
            let units = actor.subtree.sorted()
            conditions.append("p.unit_id IN (\(units.isEmpty ? "NULL" : units.map { _ in "?" }.joined(separator: ",")))")
            arguments += units
        case .ownDossier:
            conditions.append("p.id = ?")
            arguments.append(actor.personID ?? "")
        }
        return (conditions, arguments)
    }

    /// One page of dossier summaries (`p` = person, `u` = its unit) with the total count.
    func summaryPage(_ c: Connection, _ conditions: [String], _ arguments: [DatabaseValueConvertible], order: String,
                     page: Int, perPage: Int) throws -> DossierPage {
        let whereClause = conditions.joined(separator: " AND ")
        let total = try c.scalar("SELECT count(*) FROM person p WHERE \(whereClause)", arguments, as: Int.self) ?? 0
        let columns = Self.summaryColumns.map { "p.\($0)" }.joined(separator: ", ")
        let rows = try c.rows("""
            SELECT p.id, p.unit_id, u.name AS unit_name, p.updated_at, \(columns)
            FROM person p JOIN units u ON u.id = p.unit_id
            WHERE \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
            """, arguments + [perPage, (min(page, 10_000_000) - 1) * perPage])   // no overflow for absurd pages
        let items = rows.map { row -> JSONObject in
            var item: JSONObject = ["id": .string(row.get("id") ?? ""), "unit_id": .string(row.get("unit_id") ?? ""),
                                    "unit_name": .string(row.get("unit_name") ?? ""), "updated_at": .string(row.get("updated_at") ?? "")]
            for name in Self.summaryColumns {
                item[name] = RecordCoding.jsonValue(row[name], type: DossierSchema.person.field(name)!.type)
            }
            return item
        }
        return DossierPage(items: items, total: total, page: page, perPage: perPage)
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    // MARK: Update / delete the person

    /// Changes fields of the person row. Sending `unit_id` is refused: changing the owning
    /// unit is a transfer (two-phase handoff), not an edit.
    public func updatePerson(_ actor: Principal, id: String, patch: JSONObject) throws -> JSONObject {
        if patch["unit_id"] != nil {
            throw NodeError(.conflict, "use_transfer", "Không sửa trực tiếp đơn vị quản lý; hãy lập thủ tục điều động/chuyển hồ sơ.")
        }
        try db.write { c in
            let row = try self.authorisedPerson(c, actor, id: id, permission: .writeDossier)
            try self.applyPersonPatch(c, actor, row: row, patch: patch)
        }
        return try dossierDocument(personID: id)
    }

    /// Applies a patch of person fields to `row` (already authorised for writing) inside
    /// the caller's write transaction: validated against the merged record, audited with
    /// the old and new values, logged for replication. Returns the fields that changed
    /// (none: nothing is written).
    @discardableResult
    func applyPersonPatch(_ c: Connection, _ actor: Principal, row: Row, patch: JSONObject) throws -> [String] {
        let id: String = row.get("id") ?? ""
        let kind = DossierSchema.person
        let old = RecordCoding.fields(row, kind: kind)
        let changes: JSONObject
        do { changes = try self.validator().validate(kind: kind, submitted: patch, merged: old) }
        catch { throw NodeError.validation(error.errors) }
        if changes["personal_id"] != nil { try self.checkUniquePersonalID(c, changes["personal_id"], excluding: id) }
        var new = old
        for (k, v) in changes { new[k] = v }
        let diff = Self.fieldChanges(old: old, new: new)
        guard case .array(let list) = diff, !list.isEmpty else { return [] }
        let counter = try self.tick(c)
        var sets = ["vv = ?", "origin = ?", "author = ?", "updated_at = ?"]
        var values: [DatabaseValue] = [.text(self.nextVector(row.get("vv"), counter: counter)), .text(self.nodeID),
                                       actor.userID.databaseValue, .text(Timestamp.now())]
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            sets.append("\(name) = ?")
            values.append(RecordCoding.databaseValue(value, type: kind.field(name)!.type))
        }
        if let name = changes["full_name"]?.stringValue {
            sets += ["name_fold = ?", "name_sort = ?"]
            values += [.text(VietnameseText.fold(name)), .text(VietnameseText.sortKey(fullName: name))]
        }
        try c.execute("UPDATE person SET \(sets.joined(separator: ", ")) WHERE id = ?", values + [.text(id)])
        try self.logChange(c, entity: kind.name, rowID: id, counter: counter, personID: id, scope: row.get("unit_id"))
        try self.audit(c, actor, action: "update", entity: kind.name, entityID: id, personID: id, unitID: row.get("unit_id"), changes: diff)
        return list.compactMap { $0["field"].stringValue }
    }

    /// Deletes a dossier (a tombstone on the person and every history row, so replicas
    /// learn of it). Admin only: a dossier leaving a unit normally goes through a
    /// movement (retirement, transfer), which keeps it.
    public func deleteDossier(_ actor: Principal, id: String) throws {
        guard actor.role == .admin else { throw NodeError.forbidden("Chỉ quản trị hệ thống được xóa hồ sơ; hãy dùng nghiệp vụ nghỉ hưu/thôi việc/điều động.") }
        try db.write { c in
            let row = try self.authorisedPerson(c, actor, id: id, permission: .writeDossier)
            let counter = try self.tick(c)
            let now = Timestamp.now()
            for kind in DossierSchema.subRecordKinds {
                for sub in try c.rows("SELECT id, vv FROM \(kind.name) WHERE person_id = ? AND deleted = 0", [id]) {
                    let subID: String = sub.get("id") ?? ""
                    try c.execute("UPDATE \(kind.name) SET deleted = 1, vv = ?, origin = ?, author = ?, updated_at = ? WHERE id = ?",
                                  [self.nextVector(sub.get("vv"), counter: counter), self.nodeID, actor.userID, now, subID])
                    try self.logChange(c, entity: kind.name, rowID: subID, counter: counter, personID: id, scope: row.get("unit_id"))
                }
            }
            try c.execute("UPDATE person SET deleted = 1, vv = ?, origin = ?, author = ?, updated_at = ? WHERE id = ?",
                          [self.nextVector(row.get("vv"), counter: counter), self.nodeID, actor.userID, now, id])
            try self.logChange(c, entity: "person", rowID: id, counter: counter, personID: id, scope: row.get("unit_id"))
            try self.audit(c, actor, action: "delete", entity: "dossier", entityID: id, personID: id, unitID: row.get("unit_id"))
        }
    }
}
