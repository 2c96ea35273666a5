import Foundation
import HosoDomain
import HosoSQLite

/// What an export for the national database did: how many records, and every dossier
/// it could not key by a valid personal id (listed, never silently dropped).
public struct NationalExportSummary: Codable, Sendable, Equatable {
    public var format: String
    public var generated_at: String
    /// The subtree exported (nil: everything in reach).
    public var unit_id: String?
    /// Records written, one per person.
    public var exported: Int
    /// Dossiers of people moved out of the system (to the Party's organisations or out
    /// of the province): not exported, another system reports them.
    public var excluded_moved_out: Int
    public var rejected: [NationalExportRejection]
}

/// A dossier left out of the export because its personal id is missing, malformed,
/// inconsistent with the birth date or sex, or shared with another dossier.
public struct NationalExportRejection: Codable, Sendable, Equatable {
    public var dossier_id: String
    public var full_name: String
    /// `yyyy-MM-dd`.
    public var birth_date: String?
    public var unit_code: String
    public var unit_name: String
    public var personal_id: String?
    /// `missing_personal_id`, `invalid_personal_id`, `inconsistent_personal_id`, `duplicate_personal_id`.
    public var code: String
    public var reason: String
}

extension NodeStore {
    /// Writes one JSON record per person for the national database (NĐ 27/2026), keyed by
    /// the 12-digit personal id, through `record`; returns the summary with the dossiers
    /// that could not be keyed. Province leaders and admins only; the whole replica, or
    /// the subtree of `unitID`. Reads one snapshot; the export is audited.
    ///
    /// Layout (`NationalRecordLayout`): `so_dinh_danh`, `ma_ho_so` (the same number),
    /// `ho_ten`, `dinh_dang`, `cap_nhat_luc`, then the 10 groups, each with its person
    /// fields (absent when empty; codes as `{"ma", "ten", "danh_muc"}`; dates
    /// `yyyy-MM-dd`) and history tables as arrays.
    public func exportNational(_ actor: Principal, unitID: String? = nil, record: (String) throws -> Void) throws -> NationalExportSummary {
        guard actor.role == .admin || actor.role == .leader else {
            throw NodeError.forbidden("Chỉ lãnh đạo tỉnh và quản trị hệ thống được xuất dữ liệu cho CSDL quốc gia.")
        }
        let summary = try db.read { c -> NationalExportSummary in
            var units: Set<String>?
            if let unitID {
                _ = try self.unit(c, id: unitID)
                units = try self.subtree(c, of: unitID)
            }
            let names = try self.catalogueNames(c)
            let unitRows = try c.rows("SELECT id, code, name FROM units")
            var unitInfo: [String: (code: String, name: String)] = [:]
            for row in unitRows { unitInfo[row.get("id") ?? ""] = (row.get("code") ?? "", row.get("name") ?? "") }
            var summary = NationalExportSummary(format: NationalRecordLayout.format, generated_at: Timestamp.now(), unit_id: unitID,
                                                exported: 0, excluded_moved_out: 0, rejected: [])
            // Who is in the export, and which personal ids are shared.
            var candidates: [(id: String, personalID: String?)] = []
            var counts: [String: Int] = [:]
            for row in try c.rows("""
                SELECT id, unit_id, personal_id, employment_status FROM person
                WHERE deleted = 0 AND id NOT IN (SELECT person_id FROM transferred_out) ORDER BY personal_id, id
                """) {
                guard let id: String = row.get("id"), let unit: String = row.get("unit_id") else { continue }
                if let units, !units.contains(unit) { continue }
                if let status: String = row.get("employment_status"), NationalRecordLayout.movedOut.contains(status) {
                    summary.excluded_moved_out += 1
                    continue
                }
                let personalID: String? = row.get("personal_id")
                candidates.append((id, personalID))
                if let personalID { counts[personalID, default: 0] += 1 }
            }
            for batch in stride(from: 0, to: candidates.count, by: 500).map({ Array(candidates[$0..<min($0 + 500, candidates.count)]) }) {
                let ids = batch.map(\.id)
                let placeholders = ids.map { _ in "?" }.joined(separator: ",")
                var people: [String: Row] = [:]
                for row in try c.rows("SELECT * FROM person WHERE id IN (\(placeholders))", ids) { people[row.get("id") ?? ""] = row }
                var tables: [String: [String: [JSONObject]]] = [:]
                for kind in DossierSchema.subRecordKinds {
                    let order = kind.fields.first.map { "\($0.name), " } ?? ""
                    for row in try c.rows("SELECT * FROM \(kind.name) WHERE deleted = 0 AND person_id IN (\(placeholders)) ORDER BY person_id, \(order)id", ids) {
                        tables[kind.name, default: [:]][row.get("person_id") ?? "", default: []].append(RecordCoding.fields(row, kind: kind))
                    }
                }
                for candidate in batch {
                    guard let row = people[candidate.id] else { continue }
                    let fields = RecordCoding.fields(row, kind: DossierSchema.person)
                    let unit = unitInfo[row.get("unit_id") ?? ""] ?? ("", "")
                    var problem = NationalRecordLayout.keyProblem(personalID: candidate.personalID, birthDate: fields["birth_date"]?.stringValue,
                                                                   sex: fields["sex"]?.stringValue)
                    if problem == nil, let id = candidate.personalID, counts[id, default: 0] > 1 {
                        problem = ("duplicate_personal_id", "Số định danh \(id) có ở \(counts[id]!) hồ sơ; cần gộp hoặc sửa trước khi xuất.")
                    }
                    if let problem {
                        summary.rejected.append(NationalExportRejection(
                            dossier_id: candidate.id, full_name: fields["full_name"]?.stringValue ?? "", birth_date: fields["birth_date"]?.stringValue,
                            unit_code: unit.code, unit_name: unit.name, personal_id: candidate.personalID, code: problem.code, reason: problem.reason))
                        continue
                    }
                    let document = Self.nationalRecord(fields: fields, tables: tables.mapValues { $0[candidate.id] ?? [] }, unit: unit,
                                                       updatedAt: row.get("updated_at"), names: names)
                    try record(JSONValue.object(document).jsonString())
                    summary.exported += 1
                }
            }
            return summary
        }
        try db.write { c in
            try self.audit(c, actor, action: "export", entity: "national_export", entityID: NationalRecordLayout.format, unitID: unitID,
                           changes: .object(["exported": .number(Double(summary.exported)), "rejected": .number(Double(summary.rejected.count)),
                                             "excluded_moved_out": .number(Double(summary.excluded_moved_out))]))
        }
        return summary
    }

    /// One person's record in the national layout.
    static func nationalRecord(fields: JSONObject, tables: [String: [JSONObject]], unit: (code: String, name: String), updatedAt: String?,
                               names: [String: [String: String]]) -> JSONObject {
        func render(_ value: JSONValue, _ field: FieldSpec) -> JSONValue {
            guard case .code(let catalogue) = field.type, let code = value.stringValue else { return value }
            var o: JSONObject = ["ma": .string(code), "danh_muc": .string(catalogue.rawValue)]
            if let name = names[catalogue.rawValue]?[code] { o["ten"] = .string(name) }
            return .object(o)
        }
        func rendered(_ record: JSONObject, kind: RecordKind, only: [String]? = nil) -> JSONObject {
            var out: JSONObject = [:]
            for field in kind.fields where only?.contains(field.name) ?? true {
                if let value = record[field.name], value != .null { out[field.name] = render(value, field) }
            }
            return out
        }
        let personalID = fields["personal_id"]?.stringValue ?? ""
        var document: JSONObject = [
            "so_dinh_danh": .string(personalID), "ma_ho_so": .string(personalID), "dinh_dang": .string(NationalRecordLayout.format),
            "ho_ten": fields["full_name"] ?? .null, "cap_nhat_luc": updatedAt.map(JSONValue.string) ?? .null,
        ]
        for group in NationalRecordLayout.groups {
            var content = rendered(fields, kind: DossierSchema.person, only: group.fields)
            if group.unit { content["co_quan_don_vi"] = .object(["ma": .string(unit.code), "ten": .string(unit.name)]) }
            for name in group.tables {
                guard let kind = DossierSchema.subRecordKinds.first(where: { $0.name == name }) else { continue }
                content[kind.jsonKey] = .array((tables[name] ?? []).map { .object(rendered($0, kind: kind)) })
            }
            document[group.key] = .object(content)
        }
        return document
    }

    /// Every catalogue's code → name (retired codes included: old dossiers keep them).
    func catalogueNames(_ c: Connection) throws -> [String: [String: String]] {
        var names: [String: [String: String]] = [:]
        for row in try c.rows("SELECT catalogue_id, code, name FROM catalogue_entries WHERE deleted = 0") {
            if let id: String = row.get("catalogue_id"), let code: String = row.get("code") { names[id, default: [:]][code] = row.get("name") ?? code }
        }
        return names
    }
}

extension NationalExportSummary {
    /// The rejected dossiers as a CSV for the HR officers who must fix them (dates dd/MM/yyyy).
    public func rejectedCSV() -> [UInt8] {
        CSVWriter.document(header: ["STT", "Họ và tên", "Ngày sinh", "Mã đơn vị", "Đơn vị", "Số định danh đang ghi", "Lý do", "Mã lỗi", "Mã hồ sơ"],
                           rows: rejected.enumerated().map { index, r in
                               [String(index + 1), r.full_name, r.birth_date.flatMap(CalendarDate.init(iso:))?.display ?? "", r.unit_code, r.unit_name,
                                r.personal_id ?? "", r.reason, r.code, r.dossier_id]
                           })
    }
}
