import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// A status movement that ends the unit's management of a dossier.
public struct MovementRequest: Codable, Sendable {
    /// `nghi_huu`, `thoi_viec`, `tu_tran` (archived, readable), `chuyen_khoi_dang`,
    /// `chuyen_ngoai_tinh` (exported as a package, then archived).
    public var kind: String
    public var decision_no: String?
    public var decision_date: String?
    public var effective_date: String
    public var signer: String?
    /// Where the person goes (for moves out of the system).
    public var destination: String?
    public var note: String?

    public init(kind: String, decision_no: String? = nil, decision_date: String? = nil, effective_date: String, signer: String? = nil,
                destination: String? = nil, note: String? = nil) {
        self.kind = kind
        self.decision_no = decision_no
        self.decision_date = decision_date
        self.effective_date = effective_date
        self.signer = signer
        self.destination = destination
        self.note = note
    }
}

/// A recorded movement with its deadline check.
public struct MovementDTO: Codable, Sendable, Equatable {
    public var person_id: String
    public var person_name: String
    public var unit_id: String
    public var kind: String
    public var kind_name: String
    public var decision_no: String?
    public var effective_date: String?
    public var recorded_at: String
    /// Days from the decision's effective date to its recording, in the deadline's unit.
    public var days_to_record: Int
    public var deadline: String
    public var overdue: Bool
}

extension NodeStore {
    static let movementNames: [String: String] = [
        "nghi_huu": "Nghỉ hưu", "thoi_viec": "Thôi việc", "tu_tran": "Từ trần",
        "chuyen_khoi_dang": "Chuyển sang khối Đảng", "chuyen_ngoai_tinh": "Chuyển ra ngoài tỉnh",
    ]
    /// Movements that hand the dossier to another system as an export package.
    static let exportingMovements: Set<String> = ["chuyen_khoi_dang", "chuyen_ngoai_tinh"]
    /// The format name of export packages.
    public static let exportFormat = "hoso-dossier-export"

    /// Records a movement: the work-history entry, the new employment status, and the
    /// dossier archived (readable, no longer edited), in one transaction. For moves out
    /// of the system it also returns the export package another installation imports.
    public func recordMovement(_ actor: Principal, personID: String, _ input: MovementRequest) throws -> (dossier: JSONObject, package: JSONValue?) {
        var errors: [FieldError] = []
        guard let name = Self.movementNames[input.kind] else {
            throw NodeError.validation([FieldError(field: "kind", code: "invalid_format", message: "Loại biến động phải là: \(Self.movementNames.keys.sorted().joined(separator: ", ")).")])
        }
        if CalendarDate(iso: input.effective_date) == nil {
            errors.append(FieldError(field: "effective_date", code: "invalid_format", message: "Ngày hiệu lực không hợp lệ (yyyy-MM-dd)."))
        }
        if let d = input.decision_date, CalendarDate(iso: d) == nil {
            errors.append(FieldError(field: "decision_date", code: "invalid_format", message: "Ngày ký không hợp lệ (yyyy-MM-dd)."))
        }
        for (field, value, max) in [("decision_no", input.decision_no, 50), ("signer", input.signer, 100), ("destination", input.destination, 300),
                                    ("note", input.note, 1_000)] as [(String, String?, Int)] {
            if let value, value.count > max { errors.append(FieldError(field: field, code: "too_long", message: "Dài quá \(max) ký tự.")) }
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        try db.write { c in
            let row = try self.authorisedPerson(c, actor, id: personID, permission: .writeDossier)
            let unit: String = row.get("unit_id") ?? ""
            var work: JSONObject = [
                "person_id": .string(personID), "from_month": .string(String(input.effective_date.prefix(7))), "event_type": .string(input.kind),
                "description": .string(name + (input.destination.map { " (\($0))" } ?? "") + (input.note.map { " — \($0)" } ?? "")),
                "effective_date": .string(input.effective_date),
            ]
            if let v = input.decision_no { work["decision_no"] = .string(v) }
            if let v = input.decision_date { work["decision_date"] = .string(v) }
            if let v = input.signer { work["signer"] = .string(v) }
            let workTable = ReplicatedTable.dossierParts.first { $0.name == DossierSchema.workHistory.name }!
            try self.writeLocalVersion(c, actor, workTable, id: RecordID.make(), data: work, deleted: false)
            var person = self.record(table: .person, row: row, seq: 0, scope: nil).data
            let oldStatus = person["employment_status"] ?? .null
            person["employment_status"] = .string(input.kind)
            person["archived_at"] = .string(Timestamp.now())
            try self.writeLocalVersion(c, actor, .person, id: personID, data: person, deleted: false)
            try self.audit(c, actor, action: "movement", entity: "person", entityID: personID, personID: personID, unitID: unit,
                           changes: .array([.object(["field": "employment_status", "old": oldStatus, "new": .string(input.kind)])]))
        }
        // (Spelled out: JSONValue is ExpressibleByNilLiteral, so a bare `nil` here would be `.null`.)
        let package: JSONValue? = Self.exportingMovements.contains(input.kind) ? try exportPackage(actor, personID: personID) : Optional.none
        return (try dossierDocument(personID: personID), package)
    }

    /// Movements recorded in reach, with the regulation deadline (`handoff.movement_deadline_days`,
    /// 15 days by default, from the decision's effective date to its recording).
    public func movements(_ actor: Principal, deadline explicit: Deadline? = nil) throws -> [MovementDTO] {
        let deadline = explicit ?? handoffConfiguration.get().movementDeadline
        try actor.require(.readDossier)
        guard actor.role.scope != .ownDossier else { throw NodeError.forbidden() }
        return try db.read { c in
            let kinds = Self.movementNames.keys.sorted()
            return try c.rows("""
                SELECT w.person_id, w.event_type, w.decision_no, w.effective_date, w.created_at, p.full_name, p.unit_id
                FROM work_history w JOIN person p ON p.id = w.person_id
                WHERE w.deleted = 0 AND w.event_type IN (\(kinds.map { _ in "?" }.joined(separator: ","))) ORDER BY w.created_at DESC
                """, kinds).compactMap { row -> MovementDTO? in
                let unit: String = row.get("unit_id") ?? ""
                guard actor.reaches(unit: unit) else { return nil }
                let recorded: String = row.get("created_at") ?? ""
                let effective = (row.get("effective_date", as: String.self)).flatMap(CalendarDate.init(iso:))
                let recordedDay = FastFormat.parseTimestamp(recorded).map { CalendarDate.today(now: $0) }
                let days = effective.flatMap { e in recordedDay.map { deadline.elapsed(from: e, to: $0) } } ?? 0
                let kind: String = row.get("event_type") ?? ""
                return MovementDTO(person_id: row.get("person_id") ?? "", person_name: row.get("full_name") ?? "", unit_id: unit, kind: kind,
                                   kind_name: Self.movementNames[kind] ?? kind, decision_no: row.get("decision_no"),
                                   effective_date: effective?.iso, recorded_at: recorded, days_to_record: days, deadline: deadline.label,
                                   overdue: days > deadline.days)
            }
        }
    }

    // MARK: Export and import

    /// The dossier as a self-contained, verifiable package: every field and history
    /// row, a manifest (who, where from, what, row counts, attachments) and the SHA-256
    /// of the dossier's canonical JSON. The export is audited.
    public func exportPackage(_ actor: Principal, personID: String) throws -> JSONValue {
        try db.write { c in
            let row = try self.authorisedPerson(c, actor, id: personID, permission: .readDossier)
            var dossier: JSONObject = ["person": .object(self.record(table: .person, row: row, seq: 0, scope: nil).data)]
            var counts: JSONObject = ["person": 1]
            for (kind, table) in zip(DossierSchema.subRecordKinds, ReplicatedTable.dossierParts) {
                let rows = try c.rows("SELECT * FROM \(table.name) WHERE person_id = ? AND deleted = 0 ORDER BY id", [personID]).map { stored -> JSONValue in
                    var data = self.record(table: table, row: stored, seq: 0, scope: nil).data
                    data["id"] = .string(stored.get("id") ?? "")
                    return .object(data)
                }
                dossier[kind.jsonKey] = .array(rows)
                counts[kind.jsonKey] = .number(Double(rows.count))
            }
            let unitID: String = row.get("unit_id") ?? ""
            let unit = try c.row("SELECT id, code, name FROM units WHERE id = ?", [unitID])
            let content = JSONValue.object(dossier)
            let manifest: JSONObject = [
                "person_id": .string(personID), "full_name": .string(row.get("full_name") ?? ""),
                "personal_id": row.get("personal_id", as: String.self).map(JSONValue.string) ?? .null,
                "birth_date": row.get("birth_date", as: String.self).map(JSONValue.string) ?? .null,
                "employment_status": row.get("employment_status", as: String.self).map(JSONValue.string) ?? .null,
                "exported_at": .string(Timestamp.now()), "exported_by": .string(actor.username), "source_node": .string(self.nodeID),
                "source_unit": .object(["id": .string(unitID), "code": .string(unit?.get("code") ?? ""), "name": .string(unit?.get("name") ?? "")]),
                "tables": .object(counts),
                // Scanned documents are not kept by hoso yet; the list says so explicitly.
                "attachments": .array([]),
                "content_sha256": .string(SHA256.hex(Array(content.jsonString().utf8))),
            ]
            try self.audit(c, actor, action: "export", entity: "dossier", entityID: personID, personID: personID, unitID: unitID)
            return .object(["format": .string(Self.exportFormat), "version": 1, "manifest": .object(manifest), "dossier": content])
        }
    }

    /// Checks a package and returns why it cannot be trusted, or nil when it is whole.
    public static func verifyPackage(_ package: JSONValue) -> String? {
        guard package["format"].stringValue == exportFormat else { return "not a hoso dossier export (format)" }
        guard package["version"].numberValue == 1 else { return "unsupported package version" }
        guard case .object(let dossier) = package["dossier"], case .object = dossier["person"] else { return "no dossier in the package" }
        let digest = SHA256.hex(Array(package["dossier"].jsonString().utf8))
        guard digest == package["manifest"]["content_sha256"].stringValue else { return "checksum mismatch: the dossier was altered or damaged" }
        for kind in DossierSchema.subRecordKinds {
            let count = dossier[kind.jsonKey]?.arrayValue?.count ?? 0
            guard Double(count) == (package["manifest"]["tables"][kind.jsonKey].numberValue ?? 0) else {
                return "manifest count of \(kind.jsonKey) does not match the rows"
            }
        }
        return nil
    }

    /// Imports a verified package as a new dossier of `unitID` (new row ids; every field
    /// validated against this installation's catalogues). The source is audited.
    public func importPackage(_ actor: Principal, _ package: JSONValue, unitID: String) throws -> JSONObject {
        if let problem = Self.verifyPackage(package) { throw NodeError(.badRequest, "invalid_package", "Gói hồ sơ không hợp lệ: \(problem).") }
        let source = package["dossier"]
        var body: JSONObject = ["unit_id": .string(unitID)]
        for field in DossierSchema.person.fields {
            if let value = source["person"].objectValue?[field.name], value != .null { body[field.name] = value }
        }
        // The dossier arrives as active staff of its new unit.
        body["employment_status"] = "dang_cong_tac"
        for kind in DossierSchema.subRecordKinds {
            let rows = (source[kind.jsonKey].arrayValue ?? []).map { row -> JSONValue in
                var fields: JSONObject = [:]
                for field in kind.fields { if let v = row.objectValue?[field.name], v != .null { fields[field.name] = v } }
                return .object(fields)
            }
            if !rows.isEmpty { body[kind.jsonKey] = .array(rows) }
        }
        let created = try createDossier(actor, body)
        try db.write { c in
            try self.audit(c, actor, action: "import", entity: "dossier", entityID: created["id"]?.stringValue, personID: created["id"]?.stringValue,
                           unitID: unitID, changes: .object(["source_node": package["manifest"]["source_node"], "source_unit": package["manifest"]["source_unit"],
                                                              "source_person_id": package["manifest"]["person_id"]]))
        }
        return created
    }
}
