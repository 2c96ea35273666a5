import Foundation
import HosoDomain
import HosoSQLite

/// A unit (đơn vị) of the organisation tree.
public struct UnitDTO: Codable, Sendable, Equatable {
    public var id: String
    public var code: String
    public var name: String
    public var kind: String?
    public var parent_id: String?
    public var level_tag: String?
    public var valid_from: String?
    public var valid_to: String?
    public var successor_id: String?
}

/// What a client sends to create or change a unit.
public struct UnitInput: Codable, Sendable {
    public var code: String?
    public var name: String?
    public var kind: String?
    public var parent_id: String?
    public var level_tag: String?
    public var valid_from: String?
    public var valid_to: String?
    public var successor_id: String?

    public init(code: String? = nil, name: String? = nil, kind: String? = nil, parent_id: String? = nil, level_tag: String? = nil,
                valid_from: String? = nil, valid_to: String? = nil, successor_id: String? = nil) {
        self.code = code
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.level_tag = level_tag
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.successor_id = successor_id
    }
}


extension NodeStore {
    static let unitColumns = "id, code, name, kind, parent_id, level_tag, valid_from, valid_to, successor_id"

    static func unit(from row: Row) -> UnitDTO {
        UnitDTO(id: row.get("id") ?? "", code: row.get("code") ?? "", name: row.get("name") ?? "", kind: row.get("kind"),
                parent_id: row.get("parent_id"), level_tag: row.get("level_tag"), valid_from: row.get("valid_from"),
                valid_to: row.get("valid_to"), successor_id: row.get("successor_id"))
    }

    /// The units the principal may see: the whole tree for everyone but civil servants,
    /// who see their own unit only.
    public func units(_ actor: Principal) throws -> [UnitDTO] {
        try db.read { c in
            let all = try c.rows("SELECT \(Self.unitColumns) FROM units WHERE deleted = 0 ORDER BY code").map(Self.unit(from:))
            if actor.role.scope == .ownDossier { return all.filter { $0.id == actor.unitID } }
            return all
        }
    }

    /// One unit.
    public func unit(id: String) throws -> UnitDTO {
        try db.read { c in try self.unit(c, id: id) }
    }

    /// One unit, if the principal may see it (the same rule as `units(_:)`: civil
    /// servants see their own unit only); any other looks like it does not exist.
    public func unit(_ actor: Principal, id: String) throws -> UnitDTO {
        let unit = try self.unit(id: id)
        guard actor.role.scope != .ownDossier || unit.id == actor.unitID else { throw NodeError.notFound("đơn vị") }
        return unit
    }

    func unit(_ c: Connection, id: String) throws -> UnitDTO {
        guard let row = try c.row("SELECT \(Self.unitColumns) FROM units WHERE id = ? AND deleted = 0", [id]) else {
            throw NodeError.notFound("đơn vị")
        }
        return Self.unit(from: row)
    }

    /// A unit named by a field of the input (`parent_id`, `successor_id`): a missing one
    /// is that field's validation error (422), not a missing resource (404) or a
    /// foreign-key failure (500).
    func referencedUnit(_ c: Connection, id: String, field: String) throws -> UnitDTO {
        do {
            return try unit(c, id: id)
        } catch let error as NodeError where error.kind == .notFound {
            throw NodeError.validation([FieldError(field: field, code: "not_found", message: "Không có đơn vị này.")])
        }
    }

    /// Creates a unit. Admins may create anywhere (a root only if none exists yet);
    /// an HR account only below its own unit.
    public func createUnit(_ actor: Principal, _ input: UnitInput) throws -> UnitDTO {
        try actor.require(.manageUnits)
        var errors = try validateUnit(input, creating: true)
        if input.parent_id == nil && actor.role != .admin {
            errors.append(FieldError(field: "parent_id", code: "required", message: "Cần chọn đơn vị cấp trên."))
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        return try db.write { c in
            if let successor = input.successor_id { _ = try self.referencedUnit(c, id: successor, field: "successor_id") }
            if let parent = input.parent_id {
                _ = try self.referencedUnit(c, id: parent, field: "parent_id")
                guard actor.reaches(unit: parent) else { throw NodeError.forbidden("Chỉ được tạo đơn vị trực thuộc đơn vị mình quản lý.") }
            }
            if try c.scalar("SELECT count(*) FROM units WHERE code = ?", [input.code!], as: Int.self)! > 0 {
                throw NodeError.validation([FieldError(field: "code", code: "duplicate", message: "Mã đơn vị '\(input.code!)' đã tồn tại.")])
            }
            let id = RecordID.make()
            let counter = try self.tick(c)
            let now = Timestamp.now()
            try c.execute("""
                INSERT INTO units(id, code, name, kind, parent_id, level_tag, valid_from, valid_to, successor_id, vv, origin, author, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, input.code!, input.name!.trimmingCharacters(in: .whitespacesAndNewlines), input.kind, input.parent_id, input.level_tag,
                      input.valid_from, input.valid_to, input.successor_id, self.nextVector(nil, counter: counter), self.nodeID, actor.userID, now, now])
            try self.logChange(c, entity: "units", rowID: id, counter: counter, personID: nil, scope: nil)
            let unit = try self.unit(c, id: id)
            try self.audit(c, actor, action: "create", entity: "unit", entityID: id, unitID: id,
                           changes: .object(["code": .string(unit.code), "name": .string(unit.name)]))
            return unit
        }
    }

    /// Changes a unit's name, kind, validity or successor (merge/split history). Moving a
    /// unit to another parent is for admins only.
    public func updateUnit(_ actor: Principal, id: String, _ input: UnitInput) throws -> UnitDTO {
        try actor.require(.manageUnits)
        let errors = try validateUnit(input, creating: false)
        if !errors.isEmpty { throw NodeError.validation(errors) }
        return try db.write { c in
            let old = try self.unit(c, id: id)
            guard actor.reaches(unit: id), actor.role == .admin || id != actor.unitID else {
                throw NodeError.forbidden("Không được sửa đơn vị ngoài phạm vi quản lý.")
            }
            var new = old
            if let v = input.code { new.code = v }
            if let v = input.name { new.name = v.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let v = input.kind { new.kind = v }
            if let v = input.level_tag { new.level_tag = v }
            if let v = input.valid_from { new.valid_from = v }
            if let v = input.valid_to { new.valid_to = v }
            if let v = input.successor_id { _ = try self.referencedUnit(c, id: v, field: "successor_id"); new.successor_id = v }
            if let parent = input.parent_id, parent != old.parent_id {
                guard actor.role == .admin else { throw NodeError.forbidden("Chỉ quản trị hệ thống được chuyển đơn vị sang đơn vị cấp trên khác.") }
                _ = try self.referencedUnit(c, id: parent, field: "parent_id")
                if try self.subtree(c, of: id).contains(parent) {
                    throw NodeError.validation([FieldError(field: "parent_id", code: "inconsistent", message: "Không thể đặt đơn vị dưới chính đơn vị con của nó.")])
                }
                new.parent_id = parent
            }
            if new.code != old.code, try c.scalar("SELECT count(*) FROM units WHERE code = ? AND id <> ?", [new.code, id], as: Int.self)! > 0 {
                throw NodeError.validation([FieldError(field: "code", code: "duplicate", message: "Mã đơn vị '\(new.code)' đã tồn tại.")])
            }
            let counter = try self.tick(c)
            let vv: String? = try c.scalar("SELECT vv FROM units WHERE id = ?", [id])
            try c.execute("""
                UPDATE units SET code = ?, name = ?, kind = ?, parent_id = ?, level_tag = ?, valid_from = ?, valid_to = ?, successor_id = ?,
                vv = ?, origin = ?, author = ?, updated_at = ? WHERE id = ?
                """, [new.code, new.name, new.kind, new.parent_id, new.level_tag, new.valid_from, new.valid_to, new.successor_id,
                      self.nextVector(vv, counter: counter), self.nodeID, actor.userID, Timestamp.now(), id])
            try self.logChange(c, entity: "units", rowID: id, counter: counter, personID: nil, scope: nil)
            try self.audit(c, actor, action: "update", entity: "unit", entityID: id, unitID: id, changes: Self.diff(old, new))
            return new
        }
    }

    private func validateUnit(_ input: UnitInput, creating: Bool) throws -> [FieldError] {
        var errors: [FieldError] = []
        let validator = validator()
        if creating || input.code != nil {
            let code = input.code ?? ""
            if code.isEmpty || code.count > 30 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
                errors.append(FieldError(field: "code", code: "invalid_format", message: "Mã đơn vị gồm 1–30 ký tự chữ, số, '-', '_' hoặc '.'."))
            }
        }
        if creating || input.name != nil {
            let name = input.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if name.isEmpty || name.count > 300 { errors.append(FieldError(field: "name", code: "required", message: "Tên đơn vị là bắt buộc (tối đa 300 ký tự).")) }
        }
        if let kind = input.kind, !kind.isEmpty,
           case .failure(let e) = validator.normalise(.string(kind), field: FieldSpec("kind", "Loại đơn vị", .code(.loaiDonVi))) {
            errors.append(e)
        }
        for (name, value) in [("valid_from", input.valid_from), ("valid_to", input.valid_to)] {
            if let value, CalendarDate(iso: value) == nil {
                errors.append(FieldError(field: name, code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd)."))
            }
        }
        return errors
    }

    static func diff<T: Encodable>(_ old: T, _ new: T) -> JSONValue {
        let encoder = JSONEncoder()
        guard let a = try? JSONDecoder().decode(JSONValue.self, from: encoder.encode(old)).objectValue,
              let b = try? JSONDecoder().decode(JSONValue.self, from: encoder.encode(new)).objectValue else { return .array([]) }
        return fieldChanges(old: a, new: b)
    }

    /// The audit form of a change: `[{field, old, new}]` for every field that differs.
    static func fieldChanges(old: JSONObject, new: JSONObject) -> JSONValue {
        let keys = Set(old.keys).union(new.keys).sorted()
        return .array(keys.compactMap { key in
            let a = old[key] ?? .null, b = new[key] ?? .null
            return a == b ? nil : .object(["field": .string(key), "old": a, "new": b])
        })
    }

    // MARK: Staffing

    /// Sets a unit's quota for a year and category (admin: quotas are assigned by the province).
    public func setQuota(_ actor: Principal, unitID: String, year: Int, category: String, quota: Int) throws {
        guard actor.role == .admin else { throw NodeError.forbidden("Chỉ Sở Nội vụ giao biên chế.") }
        var errors: [FieldError] = []
        if !(2000...2100).contains(year) { errors.append(FieldError(field: "year", code: "out_of_range", message: "Năm phải từ 2000 đến 2100.")) }
        if quota < 0 || quota > 100_000 { errors.append(FieldError(field: "quota", code: "out_of_range", message: "Biên chế phải từ 0 đến 100000.")) }
        if !codes.contains(.loaiCanBo, category) { errors.append(FieldError(field: "category", code: "unknown_code", message: "Loại biên chế '\(category)' không có trong danh mục loại cán bộ.")) }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        try db.write { c in
            _ = try self.unit(c, id: unitID)
            let counter = try self.tick(c)
            let now = Timestamp.now()
            let existing = try c.row("SELECT id, vv, quota FROM staffing_quotas WHERE unit_id = ? AND year = ? AND category = ?", [unitID, year, category])
            let id = existing?.get("id", as: String.self) ?? RecordID.make()
            try c.execute("""
                INSERT INTO staffing_quotas(id, unit_id, year, category, quota, vv, origin, author, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET quota = excluded.quota, vv = excluded.vv, origin = excluded.origin,
                    author = excluded.author, updated_at = excluded.updated_at, deleted = 0
                """, [id, unitID, year, category, quota, self.nextVector(existing?.get("vv"), counter: counter), self.nodeID, actor.userID, now, now])
            try self.logChange(c, entity: "staffing_quotas", rowID: id, counter: counter, personID: nil, scope: unitID)
            try self.audit(c, actor, action: existing == nil ? "create" : "update", entity: "staffing_quota", entityID: id, unitID: unitID,
                           changes: .array([.object(["field": .string("quota"), "old": existing?.get("quota", as: Int.self).map { .number(Double($0)) } ?? .null,
                                                     "new": .number(Double(quota))])]))
        }
    }
}
