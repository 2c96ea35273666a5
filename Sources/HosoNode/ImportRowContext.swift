import Foundation
import HosoDomain
import HosoSQLite

/// Checks one data row of an import against everything the API would check — the
/// values (`ImportValueParser`, then `RecordValidator` on the record as it would be
/// stored), the unit and the caller's scope, the personal id (present, once in the
/// file, and whether a dossier already has it) — and says what the row would write.
struct ImportRowContext {
    let store: NodeStore
    let c: Connection
    let actor: Principal
    let header: ImportHeader
    let options: SpreadsheetImportOptions
    let parser: ImportValueParser
    let validator: RecordValidator
    let units: ImportUnits
    let authority: AuthorityMap

    static let person = DossierSchema.person

    /// The row's report and, when it is valid and changes something, its write.
    /// `seen` maps personal ids to the first row that had them.
    func check(_ row: SheetRow, seen: inout [String: Int]) throws -> (ImportRowReport, NodeStore.ImportWrite?) {
        var (report, write) = try checkUnsorted(row, seen: &seen)
        report.errors.sort(by: ImportIssue.byColumn)
        report.warnings.sort(by: ImportIssue.byColumn)
        return (report, write)
    }

    func checkUnsorted(_ row: SheetRow, seen: inout [String: Int]) throws -> (ImportRowReport, NodeStore.ImportWrite?) {
        var report = ImportRowReport(row: row.number, action: "error", personal_id: nil, full_name: nil, unit_id: nil, unit_name: nil,
                                     dossier_id: nil, changed_fields: [], errors: [], warnings: [])
        func issue(_ field: String?, _ code: String, _ message: String, column: Int? = nil) -> ImportIssue {
            let col = column ?? field.flatMap { header.fieldColumns[$0] }
            let text = col.flatMap { header.headers[$0] } ?? field.flatMap { Self.person.field($0)?.label }
            return ImportIssue(row: row.number, column: col.map(XLSXSheet.columnName), header: text, field: field, code: code, message: message)
        }

        // The cells, read the way the user wrote them.
        var values: JSONObject = [:], derived: JSONObject = [:]
        for (name, column) in header.fieldColumns.sorted(by: { $0.value < $1.value }) {
            guard let field = Self.person.field(name) else { continue }
            switch parser.parse(row[column: column], field: field) {
            case .success(let parsed):
                for (key, value) in parsed.values { if key == name { values[key] = value } else { derived[key] = value } }
                report.warnings += parsed.warnings.map { issue(name, "notice", $0) }
            case .failure(let error):
                report.errors.append(issue(name, error.code, error.message))
            }
        }
        var derivedKeys: Set<String> = []
        for (key, value) in derived where values[key] == nil { values[key] = value; derivedKeys.insert(key) }
        // A title written as text ("Trưởng phòng") also gives the position code when the
        // file has no code column and the catalogue knows the title.
        if header.fieldColumns["position_code"] == nil, let title = values["position_title"]?.stringValue,
           case .code(let code) = parser.catalogues.resolve(.chucVu, title) {
            values["position_code"] = .string(code)
        }
        let personalID = values["personal_id"]?.stringValue
        report.personal_id = personalID
        report.full_name = values["full_name"]?.stringValue

        // The key: present, and once in the file.
        if personalID == nil && !report.errors.contains(where: { $0.field == "personal_id" }) {
            report.errors.append(issue("personal_id", "required",
                                       "Thiếu số định danh cá nhân (12 số, số CCCD): cần để nhận ra hồ sơ khi nhập lại và cho CSDL quốc gia."))
        }
        if let id = personalID, PersonalID.isWellFormed(id) {
            if let first = seen[id] {
                report.errors.append(issue("personal_id", "duplicate_in_file", "Trùng số định danh với dòng \(first) của tệp."))
            } else {
                seen[id] = row.number
            }
        }

        // The unit: from its column(s), or the import's default.
        var unitID: String?
        var unitFromColumn = false
        var unitProblems = false
        var resolved: [String] = []
        for column in header.unitColumns {
            let text = row[column: column].displayText.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            switch units.resolve(text) {
            case .success(let id): if !resolved.contains(id) { resolved.append(id) }
            case .failure(let problem):
                unitProblems = true
                report.errors.append(issue(nil, problem.code, problem.message, column: column))
            }
        }
        if resolved.count > 1 {
            unitProblems = true
            report.errors.append(issue(nil, "unit_mismatch", "Các cột đơn vị của dòng chỉ ra những đơn vị khác nhau (\(resolved.compactMap { units.names[$0] }.joined(separator: ", "))).",
                                       column: header.unitColumns.first))
        } else if let id = resolved.first, !unitProblems {
            unitID = id
            unitFromColumn = true
            if !actor.reaches(unit: id) {
                unitProblems = true
                report.errors.append(issue(nil, "unit_out_of_scope", "Đơn vị '\(units.names[id] ?? id)' ngoài phạm vi quản lý của tài khoản.",
                                           column: header.unitColumns.first))
            } else if !authority.serves(node: store.nodeID, unit: id) {
                unitProblems = true
                report.errors.append(issue(nil, "not_served_here", "Nút này không quản lý đơn vị '\(units.names[id] ?? id)'; hãy nhập tại nút của đơn vị đó.",
                                           column: header.unitColumns.first))
            }
        }
        if !unitFromColumn && !unitProblems { unitID = options.defaultUnitID }
        report.unit_id = unitID
        report.unit_name = unitID.flatMap { units.names[$0] }

        // A dossier with this personal id already?
        if let id = personalID, PersonalID.isWellFormed(id),
           let existing = try c.row("SELECT * FROM person WHERE personal_id = ? AND deleted = 0", [id]) {
            return try checkExisting(existing, row: row, values: values, derivedKeys: derivedKeys, unitID: unitID, unitFromColumn: unitFromColumn,
                                     report: report, issue: issue)
        }
        if unitID == nil && !unitProblems {
            report.errors.append(issue(nil, "missing_unit", "Thiếu đơn vị: ghi mã hoặc tên đơn vị ở cột 'Đơn vị', hoặc chọn đơn vị mặc định khi nhập.",
                                       column: header.unitColumns.first))
        }
        var normalised: JSONObject = [:]
        do { normalised = try validator.validate(kind: Self.person, submitted: values, merged: [:]) }
        catch {
            let known = Set(report.errors.compactMap(\.field))
            let fresh = error.errors.filter { !known.contains($0.field) }.map { issue($0.field, $0.code, $0.message) }
            report.errors += fresh
        }
        guard report.errors.isEmpty, let unitID else { return (report, nil) }
        report.action = "create"
        return (report, .create(NodeStore.DossierDraft(unitID: unitID, person: store.withDefaultStatus(normalised))))
    }

    /// A row whose personal id has a dossier: refused outside the caller's reach,
    /// skipped, or checked as an update of the fields whose cells are not empty.
    func checkExisting(_ existing: Row, row: SheetRow, values rowValues: JSONObject, derivedKeys: Set<String>, unitID: String?, unitFromColumn: Bool,
                       report input: ImportRowReport,
                       issue makeIssue: (String?, String, String, Int?) -> ImportIssue) throws -> (ImportRowReport, NodeStore.ImportWrite?) {
        var report = input
        func issue(_ field: String?, _ code: String, _ message: String, column: Int? = nil) -> ImportIssue { makeIssue(field, code, message, column) }
        let personID: String = existing.get("id") ?? ""
        let dossierUnit: String = existing.get("unit_id") ?? ""
        // Whose dossier it is stays confidential outside the caller's reach.
        guard actor.reaches(dossierUnit: dossierUnit, personID: personID) else {
            report.unit_id = nil
            report.unit_name = nil
            report.errors.append(issue("personal_id", "dossier_out_of_scope",
                                       "Số định danh này đã có hồ sơ thuộc đơn vị ngoài phạm vi quản lý của tài khoản; không nhập được dòng này."))
            return (report, nil)
        }
        report.dossier_id = personID
        report.unit_id = dossierUnit
        report.unit_name = units.names[dossierUnit]
        if options.existing == .skip {
            report.action = "skip"
            report.errors = []
            return (report, nil)
        }
        do {
            try store.requireWritable(c, actor, person: personID, archived: existing.get("archived_at", as: String.self) != nil)
        } catch let error as NodeError {
            report.errors.append(issue(nil, error.code, error.message))
        }
        let unitName = units.names[dossierUnit] ?? dossierUnit
        if let unitID, unitID != dossierUnit {
            if unitFromColumn {
                report.errors.append(issue(nil, "use_transfer", "Hồ sơ này đang thuộc \(unitName); đổi đơn vị phải làm thủ tục điều động, chuyển hồ sơ (không qua nhập tệp).",
                                           column: header.unitColumns.first))
            } else {
                report.warnings.append(issue(nil, "existing_elsewhere", "Hồ sơ đã có ở \(unitName); được cập nhật tại đơn vị đó."))
            }
        }
        let old = RecordCoding.fields(existing, kind: Self.person)
        var values = rowValues
        // The birth date as stored (a list printed from hoso shows a year-only birth date
        // as 01/01/yyyy): its known precision stays.
        if derivedKeys.contains("birth_date_precision"), values["birth_date"] == old["birth_date"] {
            values.removeValue(forKey: "birth_date_precision")
        }
        if let new = values["full_name"]?.stringValue, let was = old["full_name"]?.stringValue, VietnameseText.fold(new) != VietnameseText.fold(was) {
            report.warnings.append(issue("full_name", "name_differs", "Họ tên trong tệp ('\(new)') khác hồ sơ hiện có ('\(was)'): kiểm tra lại số định danh."))
        }
        var changes: JSONObject = [:]
        do { changes = try validator.validate(kind: Self.person, submitted: values, merged: old) }
        catch {
            let known = Set(report.errors.compactMap(\.field))
            let fresh = error.errors.filter { !known.contains($0.field) }.map { issue($0.field, $0.code, $0.message) }
            report.errors += fresh
        }
        guard report.errors.isEmpty else { return (report, nil) }
        let changed = Self.person.fields.map(\.name).filter { name in
            guard let value = changes[name] else { return false }
            return value != (old[name] ?? .null)
        }
        report.changed_fields = changed
        if changed.isEmpty {
            report.action = "unchanged"
            return (report, nil)
        }
        report.action = "update"
        var patch: JSONObject = [:]
        for name in changed { patch[name] = changes[name] }
        return (report, .update(personID: personID, patch: patch))
    }
}
