import Foundation
import HosoDomain
import HosoSQLite

/// Bulk import of the staff lists provinces keep in Excel (issue 9): every row checked
/// with the API's own validator, the caller's unit scope and the personal-id key, and a
/// report per row and column; a commit writes every row through the same functions as
/// the API (audit, change log, replication) in one transaction — all rows or none.
extension NodeStore {
    /// What a checked row would write.
    enum ImportWrite {
        case create(DossierDraft)
        case update(personID: String, patch: JSONObject)
    }

    /// The report of a check, and the writes of its valid rows (by index in `report.rows`).
    struct ImportPlan {
        var report: ImportReport
        var writes: [(row: Int, write: ImportWrite)]
    }

    /// Checks (and with `options.commit`, imports) the dossiers of a CSV or XLSX file.
    ///
    /// HR officers and admins only, into units in their reach that this node serves.
    /// A dry run writes no dossier (the check itself is audited). A commit of a file with
    /// any error throws `ImportRejected` with the report and writes nothing; otherwise
    /// every row is written in one transaction and the report says what was done.
    /// Rows are matched to dossiers by personal id, so importing the same file again
    /// creates nothing new: rows that change nothing are `unchanged`.
    public func importSpreadsheet(_ actor: Principal, _ bytes: [UInt8], _ options: SpreadsheetImportOptions) throws -> ImportReport {
        try actor.require(.writeDossier)
        let table = try ImportTable.read(bytes, format: options.format, sheet: options.sheet)
        if let unit = options.defaultUnitID {
            try db.read { c in try self.requireImportUnit(c, actor, unit) }
        }
        let today = CalendarDate.today()
        guard options.commit else {
            let plan = try db.read { c in try self.planImport(c, actor, table, options, today: today) }
            try db.write { c in try self.auditImport(c, actor, options, plan.report) }
            return plan.report
        }
        do {
            return try db.write { c in
                var plan = try self.planImport(c, actor, table, options, today: today)
                guard plan.report.isClean else { throw ImportRejected(report: plan.report) }
                for (index, write) in plan.writes {
                    switch write {
                    case .create(let draft):
                        let id = RecordID.make()
                        try self.insertDossier(c, actor, id: id, draft)
                        plan.report.rows[index].dossier_id = id
                    case .update(let personID, let patch):
                        guard let row = try c.row("SELECT * FROM person WHERE id = ? AND deleted = 0", [personID]) else { throw NodeError.notFound("hồ sơ") }
                        try self.applyPersonPatch(c, actor, row: row, patch: patch)
                    }
                }
                plan.report.committed = true
                try self.auditImport(c, actor, options, plan.report)
                return plan.report
            }
        } catch let rejected as ImportRejected {
            try db.write { c in try self.auditImport(c, actor, options, rejected.report) }
            throw rejected
        }
    }

    /// The default unit of an import must exist, be in the caller's reach and be served here.
    func requireImportUnit(_ c: Connection, _ actor: Principal, _ unitID: String) throws {
        let unit = try self.unit(c, id: unitID)
        guard actor.reaches(unit: unitID) else { throw NodeError.forbidden("Không được nhập hồ sơ vào đơn vị ngoài phạm vi quản lý (\(unit.name)).") }
        try requireServed(c, unit: unitID, step: "nhập hồ sơ")
    }

    func auditImport(_ c: Connection, _ actor: Principal, _ options: SpreadsheetImportOptions, _ report: ImportReport) throws {
        let t = report.totals
        var changes: JSONObject = [
            "format": .string(report.format), "dry_run": .bool(report.dry_run), "committed": .bool(report.committed),
            "existing": .string(report.existing), "rows": .number(Double(t.rows)), "create": .number(Double(t.create)),
            "update": .number(Double(t.update)), "unchanged": .number(Double(t.unchanged)), "skip": .number(Double(t.skip)),
            "invalid": .number(Double(t.invalid)), "errors": .number(Double(t.errors)),
        ]
        if let sheet = report.sheet { changes["sheet"] = .string(sheet) }
        try audit(c, actor, action: "bulk_import", entity: "spreadsheet", entityID: options.fileName.map { String($0.prefix(200)) },
                  unitID: options.defaultUnitID, changes: .object(changes))
    }

    // MARK: Checking the rows

    func planImport(_ c: Connection, _ actor: Principal, _ table: ImportTable, _ options: SpreadsheetImportOptions,
                    today: CalendarDate) throws -> ImportPlan {
        var report = ImportReport(format: table.format.rawValue, sheet: table.sheet, dry_run: !options.commit, committed: false,
                                  existing: options.existing.rawValue, header_row: nil, columns: [], totals: ImportTotals(),
                                  file_errors: [], file_warnings: [], rows: [])
        guard let header = ImportHeader.find(in: table.rows) else {
            report.file_errors.append(ImportIssue(
                row: nil, column: nil, header: nil, field: nil, code: "no_header",
                message: "Không tìm thấy dòng tiêu đề trong \(ImportHeader.searchDepth) dòng đầu: cần một dòng ghi tên các cột, "
                    + "trong đó có 'Họ và tên' hoặc 'Số CCCD' (ví dụ: STT, Họ và tên, Ngày sinh, Giới tính, Số CCCD, Đơn vị)."))
            report.totals.errors = 1
            return ImportPlan(report: report, writes: [])
        }
        report.header_row = header.number
        report.columns = header.columns
        report.file_errors = header.errors
        report.file_warnings = header.warnings
        if header.unitColumns.isEmpty && options.defaultUnitID == nil {
            report.file_warnings.append(ImportIssue(row: header.number, column: nil, header: "Đơn vị", field: nil, code: "no_unit",
                                                    message: "Tệp không có cột Đơn vị và chưa chọn đơn vị mặc định: chỉ cập nhật được hồ sơ đã có."))
        }
        let context = ImportRowContext(
            store: self, c: c, actor: actor, header: header, options: options,
            parser: ImportValueParser(catalogues: try catalogueNameIndex(c, today: today), date1904: table.date1904),
            validator: validator(today: today), units: try ImportUnits(c), authority: try AuthorityMap(c))
        var plan = ImportPlan(report: report, writes: [])
        var seen: [String: Int] = [:]
        for row in table.rows.dropFirst(header.index + 1) {
            let (rowReport, write) = try context.check(row, seen: &seen)
            if let write { plan.writes.append((plan.report.rows.count, write)) }
            plan.report.rows.append(rowReport)
        }
        var t = ImportTotals()
        for r in plan.report.rows {
            t.rows += 1
            if r.errors.isEmpty { t.valid += 1 } else { t.invalid += 1 }
            switch r.action {
            case "create": t.create += 1
            case "update": t.update += 1
            case "unchanged": t.unchanged += 1
            case "skip": t.skip += 1
            default: break
            }
            t.errors += r.errors.count
            t.warnings += r.warnings.count
        }
        t.errors += plan.report.file_errors.count
        t.warnings += plan.report.file_warnings.count
        plan.report.totals = t
        return plan
    }

    /// The catalogue entries usable today, for reading codes by name.
    func catalogueNameIndex(_ c: Connection, today: CalendarDate) throws -> CatalogueNameIndex {
        var entries: [CatalogueID: [CatalogueNameIndex.Entry]] = [:]
        for row in try c.rows("SELECT catalogue_id, code, name, valid_to FROM catalogue_entries WHERE deleted = 0 ORDER BY catalogue_id, sort_order, code") {
            guard let id = CatalogueID(rawValue: row.get("catalogue_id") ?? ""), let code: String = row.get("code"), let name: String = row.get("name") else { continue }
            if let validTo: String = row.get("valid_to"), validTo < today.iso { continue }
            entries[id, default: []].append(CatalogueNameIndex.Entry(code: code, name: name))
        }
        return CatalogueNameIndex(entries)
    }
}

/// The units of the replica, found by id, code or name as a spreadsheet writes them.
struct ImportUnits {
    var names: [String: String] = [:]
    var byCode: [String: String] = [:]
    var byFoldedCode: [String: [String]] = [:]
    var byFoldedName: [String: [String]] = [:]

    init(_ c: Connection) throws {
        for row in try c.rows("SELECT id, code, name FROM units WHERE deleted = 0 ORDER BY code") {
            guard let id: String = row.get("id"), let code: String = row.get("code"), let name: String = row.get("name") else { continue }
            names[id] = name
            byCode[code] = id
            byFoldedCode[VietnameseText.fold(code), default: []].append(id)
            byFoldedName[VietnameseText.fold(name), default: []].append(id)
        }
    }

    /// The unit `text` names, or the problem as (code, message).
    func resolve(_ text: String) -> Result<String, ImportUnitProblem> {
        if names[text] != nil { return .success(text) }
        if let id = byCode[text] { return .success(id) }
        let folded = VietnameseText.fold(text)
        if let ids = byFoldedCode[folded], ids.count == 1 { return .success(ids[0]) }
        if let ids = byFoldedName[folded] {
            if ids.count == 1 { return .success(ids[0]) }
            return .failure(ImportUnitProblem(code: "unit_ambiguous",
                                              message: "Có \(ids.count) đơn vị cùng tên '\(text)'; hãy ghi mã đơn vị."))
        }
        return .failure(ImportUnitProblem(code: "unit_not_found",
                                          message: "Không có đơn vị '\(text)' (ghi mã đơn vị, hoặc tên đúng như danh mục Đơn vị)."))
    }
}

/// Why a unit cell could not be used.
struct ImportUnitProblem: Error {
    var code: String
    var message: String
}
