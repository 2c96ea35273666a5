import Foundation
import HosoDomain
import HosoHTTP
@testable import HosoNode
import HosoSQLite
import HosoTestSupport
import Testing

/// Bulk import of staff lists (issue 9): through the router as a browser or script
/// sends them, with the test node's units (P › A › A1, P › B) and accounts.
@Suite struct SpreadsheetImportTests {
    /// A staff list as a province keeps it: title row, `;`, BOM, quoted notes spanning
    /// two lines, units by code and by name, catalogue entries by name.
    static var fixture: [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/danh-sach-can-bo.csv")
        return Array((try? Data(contentsOf: url)) ?? Data())
    }

    static func csv(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

    static let header = "STT;Họ và tên;Ngày sinh;Giới tính;Số CCCD;Đơn vị;Bậc;Hệ số"

    func importFile(_ node: TestNode, _ token: String, _ bytes: [UInt8], _ query: String = "", type: String = "text/csv") async -> HTTPResponse {
        await node.send(.post, "/api/imports" + (query.isEmpty ? "" : "?" + query), token: token, headers: [("Content-Type", type)], body: bytes)
    }

    /// Dossiers, change-log entries and dossier audit entries: what an import may not change when it must write nothing.
    func footprint(_ node: TestNode) throws -> [Int] {
        try sql(node) { c in
            [try c.scalar("SELECT count(*) FROM person", as: Int.self) ?? -1,
             try c.scalar("SELECT count(*) FROM change_log", as: Int.self) ?? -1,
             try c.scalar("SELECT coalesce(max(counter), 0) FROM change_log", as: Int.self) ?? -1,
             try c.scalar("SELECT count(*) FROM audit_log WHERE entity = 'person'", as: Int.self) ?? -1]
        }
    }

    /// A read of the replica (the synchronous one: async tests would otherwise get the async overload).
    func sql<T>(_ node: TestNode, _ body: (Connection) throws -> T) throws -> T { try node.store.db.read(body) }

    func report(_ response: HTTPResponse) throws -> ImportReport {
        struct Failure: Decodable { var report: ImportReport? }
        let data = Data(response.body)
        if let failure = try? JSONDecoder().decode(Failure.self, from: data), let report = failure.report { return report }
        return try JSONDecoder().decode(ImportReport.self, from: data)
    }

    // MARK: Dry run and commit

    @Test func dryRunReportsEveryRowAndWritesNothing() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let before = try footprint(node)
        let response = await importFile(node, hr.token, Self.fixture, "file_name=danh-sach-can-bo.csv")
        #expect(response.status.code == 200, "\(response.bodyText)")
        let r = try report(response)
        #expect(r.dry_run && !r.committed)
        #expect(r.format == "csv")
        #expect(r.header_row == 2, "the title row above the header is passed over")
        #expect(r.columns.map(\.status) == ["ignored", "field", "field", "field", "field", "field", "unit", "field", "field", "field", "field", "field", "ignored"])
        #expect(r.columns.first { $0.column == "J" }?.field == "salary_coefficient")
        #expect(r.totals.rows == 3 && r.totals.valid == 3 && r.totals.create == 3 && r.totals.errors == 0, "\(r.totals) \(r.text())")
        #expect(r.rows.map(\.row) == [3, 4, 5], "rows as Excel numbers them: the note's line break does not count")
        #expect(r.rows.map(\.action) == ["create", "create", "create"])
        #expect(r.rows.map(\.unit_name) == ["Phòng A1", "Phòng A1", "Sở A"], "units by code and by name")
        #expect(r.rows[2].full_name == "Đặng Thị \"Mai\" Anh")
        #expect(r.isClean)
        #expect(try footprint(node) == before, "a dry run writes no dossier and no change")
        let audited = try sql(node) { c in
            try c.row("SELECT username, entity_id, changes FROM audit_log WHERE action = 'bulk_import' ORDER BY id DESC LIMIT 1")
        }
        #expect(audited?.get("username", as: String.self) == "hr.a")
        #expect(audited?.get("entity_id", as: String.self) == "danh-sach-can-bo.csv")
        #expect(audited?.get("changes", as: String.self)?.contains("\"dry_run\":true") == true)
    }

    @Test func commitWritesThroughTheAPIPathAndReimportingChangesNothing() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let before = try footprint(node)
        let committed = await importFile(node, hr.token, Self.fixture, "dry_run=false")
        #expect(committed.status.code == 200, "\(committed.bodyText)")
        let r = try report(committed)
        #expect(r.committed && !r.dry_run)
        #expect(r.totals.create == 3)
        let ids = r.rows.compactMap(\.dossier_id)
        #expect(ids.count == 3)
        // Each dossier as the API stores it.
        let hung = await node.send(.get, "/api/dossiers/\(ids[1])", token: hr.token).json
        #expect(hung["full_name"] == "Võ Văn Hùng")
        #expect(hung["birth_date"] == "1979-01-01")
        #expect(hung["birth_date_precision"] == "year", "a birth year alone")
        #expect(hung["ethnicity"] == "05", "Khơ-me by name")
        #expect(hung["ngach"] == "01.002", "Chuyên viên chính by name")
        #expect(hung["salary_coefficient"] == .number(4.74), "decimal comma")
        #expect(hung["salary_effective_date"] == "2023-06-15")
        #expect(hung["qualification"] == "DH", "ĐH as the code")
        #expect(hung["employment_status"] == "dang_cong_tac")
        #expect(hung["unit_name"] == "Phòng A1")
        // Audited and logged for replication like an API write, one counter per dossier.
        let after = try footprint(node)
        #expect(after[0] == before[0] + 3)
        #expect(after[1] == before[1] + 3)
        #expect(after[2] == before[2] + 3)
        let creates = try sql(node) { c in
            try c.scalar("SELECT count(*) FROM audit_log WHERE action = 'create' AND entity = 'person' AND username = 'hr.a'", as: Int.self)
        }
        #expect(creates == 3)
        #expect(try sql(node) { c in try c.scalar("SELECT count(*) FROM change_log WHERE entity = 'person' AND row_id = ?", [ids[0]], as: Int.self) } == 1)

        // The same file again: matched by personal id, nothing new, nothing written.
        let again = await importFile(node, hr.token, Self.fixture, "dry_run=false")
        #expect(again.status.code == 200)
        let second = try report(again)
        #expect(second.rows.map(\.action) == ["unchanged", "unchanged", "unchanged"], "\(second.text())")
        #expect(second.rows.compactMap(\.dossier_id) == ids)
        #expect(try footprint(node) == after, "re-importing the same file writes nothing")

        // One cell changed: an update of that field only, audited with old and new values.
        var text = String(decoding: Self.fixture, as: UTF8.self)
        text = text.replacingOccurrences(of: "01.003;4;3,33", with: "01.003;5;3,66")
        let changed = await importFile(node, hr.token, Array(text.utf8), "dry_run=false")
        let third = try report(changed)
        #expect(third.rows.map(\.action) == ["update", "unchanged", "unchanged"])
        #expect(third.rows[0].changed_fields == ["salary_step", "salary_coefficient"])
        let hoa = await node.send(.get, "/api/dossiers/\(ids[0])", token: hr.token).json
        #expect(hoa["salary_step"] == 5)
        #expect(hoa["salary_coefficient"] == .number(3.66))
        #expect(hoa["full_name"] == "Lê Thị Hoa", "fields not in the change stay")
        let update = try sql(node) { c in
            try c.scalar("SELECT changes FROM audit_log WHERE action = 'update' AND entity_id = ? ORDER BY id DESC LIMIT 1", [ids[0]], as: String.self)
        }
        #expect(update?.contains("\"salary_step\"") == true && update?.contains("\"old\":4") == true, "\(update ?? "")")

        // existing=skip leaves the dossiers alone.
        text = text.replacingOccurrences(of: "01.003;5;3,66", with: "01.003;6;3,99")
        let skipped = try report(await importFile(node, hr.token, Array(text.utf8), "dry_run=false&existing=skip"))
        #expect(skipped.rows.map(\.action) == ["skip", "skip", "skip"])
        #expect(await node.send(.get, "/api/dossiers/\(ids[0])", token: hr.token).json["salary_step"] == 5)
    }

    @Test func emptyCellsOfAnUpdateLeaveFieldsAsTheyAre() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        _ = await importFile(node, hr.token, Self.fixture, "dry_run=false")
        // A salary update list: the key and the new step only, no names, no unit.
        let update = Self.csv(["Số CCCD;Bậc;Hệ số", "087188004321;5;3,66", "087079005678;;"])
        let r = try report(await importFile(node, hr.token, update, "dry_run=false"))
        #expect(r.committed, "\(r.text())")
        #expect(r.rows.map(\.action) == ["update", "unchanged"])
        #expect(r.file_warnings.contains { $0.code == "update_only" })
        let list = await node.send(.get, "/api/dossiers?q=087079005678", token: hr.token).json
        let id = try #require(list["items"][0]["id"].stringValue)
        #expect(await node.send(.get, "/api/dossiers/\(id)", token: hr.token).json["salary_step"] == 2)
        // A new person in an update-only file cannot be created.
        let newcomer = try report(await importFile(node, hr.token, Self.csv(["Số CCCD;Bậc", "087090001234;3"])))
        #expect(newcomer.rows[0].errors.map(\.code).contains("required"))
        #expect(newcomer.rows[0].errors.contains { $0.code == "missing_unit" })
    }

    @Test func aCommitWithAnyErrorWritesNothing() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let before = try footprint(node)
        let file = Self.csv([Self.header, "1;Lê Thị Hoa;05/09/1988;Nữ;087188004321;A1;4;3,33", "2;Võ Văn Hùng;31/02/1979;Nam;087079005678;A1;2;4,74"])
        let response = await importFile(node, hr.token, file, "dry_run=false")
        #expect(response.status.code == 422)
        #expect(response.json["error"]["code"] == "import_rejected")
        #expect(response.json["error"]["message"].stringValue?.contains("chưa ghi hồ sơ nào") == true)
        let r = try report(response)
        #expect(!r.committed)
        #expect(r.rows.map(\.action) == ["create", "error"])
        #expect(r.rows[1].errors.first?.column == "C")
        #expect(try footprint(node) == before, "the valid row was not written either")
    }

    // MARK: What the report says

    @Test func errorsAreReportedByRowAndColumnInVietnamese() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let file = Self.csv([
            "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Đơn vị,Mã ngạch,Sở thích",
            "Nguyễn Văn Một,12/13/1985,Nam,087085000001,A1,01.003,",        // 2: no 13th month
            "Nguyễn Văn Hai,12/04/1985,Nam,,A1,,",                            // 3: no personal id
            "Nguyễn Văn Ba,12/04/1985,Nam,087085000003,A1,99.999,",          // 4: unknown grade
            "Nguyễn Văn Bốn,12/04/1985,Nam,087085000003,A1,,",               // 5: same id as row 4
            "Nguyễn Văn Năm,12/04/1985,Nam,087085000005,Phòng Z,,",          // 6: no such unit
            "Nguyễn Văn Sáu,12/04/1985,Nữ,087085000006,A1,,",                // 7: id says male
            "Nguyễn Văn Bảy,12/04/1985,Nam,385123456,A1,,",                  // 8: old 9-digit CMND
            ",12/04/1985,Nam,087085000008,A1,,",                             // 9: no name
            "Nguyễn Văn Chín,12/04/1985,Nam,087085000009,B,,",               // 10: unit outside hr.a's reach
        ])
        let r = try report(await importFile(node, hr.token, file))
        func codes(_ row: Int) -> [String] { r.rows.first { $0.row == row }?.errors.map(\.code) ?? ["no such row"] }
        func column(_ row: Int) -> String? { r.rows.first { $0.row == row }?.errors.first?.column }
        #expect(r.header_row == 1)
        #expect(codes(2) == ["invalid_format"]); #expect(column(2) == "B")
        #expect(codes(3) == ["required"]); #expect(column(3) == "D")
        #expect(r.rows[1].errors[0].message.contains("Thiếu số định danh"))
        #expect(codes(4) == ["unknown_code"]); #expect(column(4) == "F")
        #expect(codes(5) == ["duplicate_in_file"])
        #expect(r.rows[3].errors[0].message == "Trùng số định danh với dòng 4 của tệp.")
        #expect(codes(6) == ["unit_not_found"]); #expect(column(6) == "E")
        #expect(codes(7) == ["inconsistent"])
        #expect(codes(8) == ["invalid_format"])
        #expect(r.rows[6].errors[0].message.contains("CMND"))
        #expect(codes(9) == ["required"]); #expect(column(9) == "A")
        #expect(codes(10) == ["unit_out_of_scope"])
        #expect(r.totals.rows == 9 && r.totals.invalid == 9 && r.totals.valid == 0)
        #expect(r.file_warnings.map(\.code) == ["unknown_column"])
        #expect(r.file_warnings[0].column == "G")
        // The same problems as a CSV for Excel, and as text for the command line.
        let csv = String(decoding: r.problemsCSV(), as: UTF8.self)
        #expect(csv.contains("10,E,Đơn vị,Lỗi,Đơn vị 'UBND xã B' ngoài phạm vi quản lý của tài khoản."), "\(csv)")
        #expect(r.text().contains("Dòng 4, cột F (Mã ngạch): '99.999' không có trong danh mục"))

        // Files without the key column, or without any header, are refused as a whole.
        let noKey = try report(await importFile(node, hr.token, Self.csv(["Họ và tên;Ngày sinh", "A;01/01/1980"])))
        #expect(noKey.file_errors.map(\.code) == ["missing_column"])
        #expect(!noKey.isClean)
        let noHeader = try report(await importFile(node, hr.token, Self.csv(["1;2;3", "4;5;6"])))
        #expect(noHeader.file_errors.map(\.code) == ["no_header"])
        #expect(noHeader.header_row == nil)
        let twice = try report(await importFile(node, hr.token, Self.csv(["Số CCCD;Họ và tên;Họ tên", "087085000001;A;B"])))
        #expect(twice.file_errors.map(\.code) == ["duplicate_column"])
        let rejected = await importFile(node, hr.token, Self.csv(["Số CCCD;Họ và tên;Họ tên", "087085000001;A;B"]), "dry_run=false")
        #expect(rejected.status.code == 422)
    }

    // MARK: Who may import where

    @Test func rolesAndUnitScopeAreEnforced() async throws {
        let node = try TestNode()
        let before = try footprint(node)
        for user in ["leader", "head.a", "staff.a1"] {
            let s = try await node.login(user)
            let response = await importFile(node, s.token, Self.fixture)
            #expect(response.status.code == 403, "\(user): \(response.status.code)")
        }
        // hr.b reaches unit B only: rows for A1 are refused, and so is A1 as the default unit.
        let hrB = try await node.login("hr.b")
        let r = try report(await importFile(node, hrB.token, Self.fixture))
        #expect(r.rows.allSatisfy { $0.errors.contains { $0.code == "unit_out_of_scope" } }, "\(r.text())")
        let outside = await importFile(node, hrB.token, Self.csv(["Họ và tên;Ngày sinh;Giới tính;Số CCCD", "Mai Văn Tư;01/01/1980;Nam;087080001111"]),
                                       "unit_id=\(node.units["A1"]!)")
        #expect(outside.status.code == 403)
        #expect(try footprint(node) == before)

        // A dossier of A1 (created by hr.a) named by its personal id in hr.b's file: refused
        // without saying where it is.
        let hrA = try await node.login("hr.a")
        _ = await importFile(node, hrA.token, Self.fixture, "dry_run=false")
        let written = try footprint(node)
        let probe = await importFile(node, hrB.token, Self.csv([Self.header, "1;Ai Đó;05/09/1988;Nữ;087188004321;B;4;3,33"]))
        let probeReport = try report(probe)
        #expect(probeReport.rows[0].errors.map(\.code) == ["dossier_out_of_scope"])
        #expect(probeReport.rows[0].dossier_id == nil)
        #expect(!probe.bodyText.contains("Phòng A1") && !probe.bodyText.contains("Lê Thị Hoa"), "nothing of A1 leaks")
        #expect(await importFile(node, hrB.token, Self.csv([Self.header, "1;Ai Đó;05/09/1988;Nữ;087188004321;B;4;3,33"]), "dry_run=false").status.code == 422)
        #expect(try footprint(node) == written)
    }

    @Test func movingADossierToAnotherUnitNeedsATransfer() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        _ = await importFile(node, hr.token, Self.fixture, "dry_run=false")
        let moved = try report(await importFile(node, hr.token, Self.csv([Self.header, "1;Lê Thị Hoa;05/09/1988;Nữ;087188004321;A;4;3,33"])))
        #expect(moved.rows[0].errors.map(\.code) == ["use_transfer"])
        #expect(moved.rows[0].errors[0].message.contains("điều động"))
        // The default unit is for new rows: an existing dossier elsewhere is updated where it is.
        let elsewhere = try report(await importFile(node, hr.token, Self.csv(["Số CCCD;Bậc", "087188004321;7"]), "unit_id=\(node.units["A"]!)"))
        #expect(elsewhere.rows[0].action == "update")
        #expect(elsewhere.rows[0].warnings.map(\.code) == ["existing_elsewhere"])
    }

    // MARK: Bad input

    @Test func badInputGetsAClear4xxAndWritesNothing() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let before = try footprint(node)
        let xlsx = SpreadsheetImportOptions.xlsxMediaType
        let manyRows = Self.csv([Self.header] + Array(repeating: "1;A;01/01/1980;Nam;087080001111;A1;1;2", count: SpreadsheetImportOptions.maxRows + 1))
        let cases: [(String, [UInt8], String, String, Int, String)] = [
            ("unterminated quote", Array("Họ và tên,Số CCCD\n\"Lê Văn A,087080001111\n".utf8), "text/csv", "", 400, "invalid_csv"),
            ("not UTF-8", Array("Họ và tên,Số CCCD\n".utf8) + [0xC3, 0x28], "text/csv", "", 400, "invalid_csv"),
            ("XLSX that is not a zip", Self.fixture, xlsx, "", 400, "invalid_xlsx"),
            ("a zip that is not a workbook", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40), xlsx, "", 400, "invalid_xlsx"),
            ("Excel 97-2003", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 100), "application/vnd.ms-excel", "", 400, "unsupported_format"),
            ("empty", [], "text/csv", "", 400, "empty_file"),
            ("blank", Array("\r\n \r\n".utf8), "text/csv", "", 400, "empty_file"),
            ("over 8 MB", [UInt8](repeating: 0x41, count: SpreadsheetImportOptions.maxFileBytes + 1), "text/csv", "", 413, "file_too_large"),
            ("too many rows", manyRows, "text/csv", "", 413, "too_many_rows"),
            ("an image", [0x89, 0x50, 0x4E, 0x47], "image/png", "", 415, "unsupported_media_type"),
            ("bad dry_run", Self.fixture, "text/csv", "dry_run=maybe", 400, "invalid_query"),
            ("bad existing", Self.fixture, "text/csv", "existing=replace", 400, "invalid_query"),
            ("no such unit", Self.fixture, "text/csv", "unit_id=khong-co", 404, "not_found"),
            ("no such sheet", try XLSXReaderTests.handBuiltWorkbook(), xlsx, "sheet=" + securityEncode("Bảng lương"), 400, "sheet_not_found"),
        ]
        for (name, body, type, query, status, code) in cases {
            for dryRun in query.contains("dry_run") ? [""] : ["", "dry_run=false"] {
                let q = [query, dryRun].filter { !$0.isEmpty }.joined(separator: "&")
                let response = await importFile(node, hr.token, body, q, type: type)
                #expect(response.status.code == status, "\(name) \(q): \(response.status.code) \(response.bodyText.prefix(300))")
                #expect(response.json["error"]["code"].stringValue == code, "\(name): \(response.bodyText.prefix(300))")
                #expect(!(response.json["error"]["message"].stringValue ?? "").isEmpty)
            }
        }
        #expect(try footprint(node) == before)
    }

    // MARK: XLSX and round trips

    @Test func workbooksImportLikeCSV() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        var sheet = XLSXSheet()
        sheet.addRow([.text("DANH SÁCH CÔNG CHỨC")], style: .title)
        sheet.addRow(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã đơn vị", "Bậc", "Hệ số"].map(ReportCell.text), style: .header)
        sheet.addRow([.int(1), .text("Phan Thanh Tâm"), .text("20/11/1982"), .text("Nam"), .text("087082003344"), .text("A1"), .int(3), .decimal(3.0)],
                     style: .body, kinds: [.integer, .text, .text, .text, .text, .text, .integer, .decimal])
        // The personal id typed into a number cell: Excel dropped its leading zero.
        sheet.addRow([.int(2), .text("Hồ Thị Lan"), .text("1991"), .text("Nữ"), .int(87191005566), .text("A1"), .int(2), .decimal(2.67)],
                     style: .body, kinds: [.integer, .text, .text, .text, .integer, .text, .integer, .decimal])
        let bytes = try XLSXWriter.workbook(sheetName: "Công chức", sheet: sheet)
        let dry = await importFile(node, hr.token, bytes, type: SpreadsheetImportOptions.xlsxMediaType)
        #expect(dry.status.code == 200, "\(dry.bodyText)")
        let r = try report(dry)
        #expect(r.format == "xlsx" && r.sheet == "Công chức" && r.header_row == 2)
        #expect(r.rows.map(\.action) == ["create", "create"], "\(r.text())")
        #expect(r.rows[1].personal_id == "087191005566")
        #expect(r.rows[1].warnings.first?.message.contains("số 0") == true)
        // A workbook sent as octet-stream (or misnamed .csv) is still read as a workbook.
        let committed = try report(await importFile(node, hr.token, bytes, "dry_run=false", type: "application/octet-stream"))
        #expect(committed.committed && committed.totals.create == 2)
        let tam = await node.send(.get, "/api/dossiers/\(committed.rows[0].dossier_id ?? "")", token: hr.token).json
        #expect(tam["birth_date"] == "1982-11-20")
        #expect(tam["salary_coefficient"] == .number(3))
    }

    /// The CSV the search page exports (labels as headers, code names, dd/MM/yyyy, unit
    /// names) reads back as an import that changes nothing.
    @Test func theSearchExportReadsBackUnchanged() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        _ = await importFile(node, hr.token, Self.fixture, "dry_run=false")
        let export = await node.send(.post, "/api/search/export", json: ["personal_id": "087"], token: hr.token)
        #expect(export.status.code == 200, "\(export.bodyText)")
        let r = try report(await importFile(node, hr.token, export.body))
        #expect(r.totals.rows == 3, "\(r.text())")
        #expect(r.rows.map(\.action) == ["unchanged", "unchanged", "unchanged"], "\(r.rows.map(\.changed_fields)) \(String(decoding: export.body, as: UTF8.self))")
    }
}
