import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// The TT 11/2012 forms, staffing, the report builder and their exports, on a fixed data
/// set whose every figure was counted by hand (see the comments).
@Suite struct ReportTests {
    let cli = Principal.commandLine("test")
    static let asOf = CalendarDate(iso: "2026-06-30")!

    /// TestNode's units P (province) > A > A1, P > B (a commune); its two dossiers have no
    /// staff category, so no form counts them. Quotas 2026 (công chức): P 0, A 5, A1 3.
    /// One node for the read-only tests (building it is the costly part; the suite runs
    /// in parallel with the live-server tests on two cores).
    static let shared = Task { try await offPool { try makeNode() } }

    func node() async throws -> (TestNode, [String: String]) { try await Self.shared.value }

    static func makeNode() throws -> (TestNode, [String: String]) {
        let cli = Principal.commandLine("test")
        let node = try TestNode()
        var ids: [String: String] = [:]
        let cc = "cong_chuc"
        let people: [(String, String, String, String, JSONObject)] = [
            // P (the province's own office).
            ("Bùi Văn Chín", "P", "1", "2000-01-01", ["staff_category": .string(cc), "ngach": "01.003", "qualification": "SC"]),
            // A and A1 (one row of BM01: "Sở A").
            ("Trần Văn Một", "A", "1", "1990-05-10", [
                "staff_category": .string(cc), "ethnicity": "01", "religion": "00", "party_join_date": "2015-01-01", "ngach": "01.003",
                "qualification": "ThS", "political_theory": "TC", "it_level": "CNTT_CB", "english_level": "B", "state_management": "CV",
                "salary_step": 3, "salary_coefficient": 3.0, "salary_effective_date": "2024-01-01", "position_allowance": 0.2,
                "responsibility_allowance": 0.1, "regional_allowance": 0.3, "percent_allowances": 10, "position_title": "Phó Trưởng phòng"]),
            ("Lê Thị Hai", "A1", "2", "1995-07-01", [
                "staff_category": .string(cc), "ethnicity": "02", "religion": "02", "ngach": "01.004", "qualification": "DH", "it_level": "DH",
                "english_level": "DH", "other_language_level": "A", "ethnic_language_cert": true]),
            ("Phạm Văn Ba", "A1", "1", "1966-01-15", [
                "staff_category": .string(cc), "ngach": "01.002", "qualification": "TS", "political_theory": "CC", "state_management": "CVC",
                "party_join_date": "1990-03-03", "salary_step": 8, "salary_coefficient": 6.78, "salary_effective_date": "2022-04-01",
                "over_scale_percent": 7, "percent_allowances": 25, "other_allowances": "Phụ cấp công vụ"]),
            ("Nguyễn Thị Bốn", "A", "2", "1969-02-10", [
                "staff_category": .string(cc), "ngach": "01.001", "qualification": "DH", "political_theory": "CN", "state_management": "CVCC",
                "salary_step": 2, "salary_coefficient": 6.56, "salary_effective_date": "2026-09-01"]),
            ("Hoàng Văn Năm", "A1", "1", "1984-12-31", [
                "staff_category": .string(cc), "ngach": "06.031", "qualification": "CD", "political_theory": "SC", "it_level": "A", "religion": "01",
                "party_join_date": "2026-09-01"]),
            ("Đỗ Thị Sáu", "A", "2", "1972-03-20", [
                "staff_category": .string(cc), "ngach": "01.005", "qualification": "TC", "party_join_date": "2000-05-05", "ngach_date": "2010-05-01"]),
            ("Ngô Văn Tám", "A", "1", "1980-06-30", [
                "staff_category": .string(cc), "ngach": "01.003", "qualification": "DH", "party_join_date": "2010-01-01"]),
            // Not counted on 30/06/2026: recruited later, left earlier, a viên chức.
            ("Vũ Văn Bảy", "A", "1", "1998-01-01", ["staff_category": .string(cc), "ngach": "01.003", "recruitment_date": "2026-09-01"]),
            ("Lý Văn Mười", "A", "1", "1985-01-01", ["staff_category": .string(cc), "ngach": "01.003"]),
            ("Mai Thị Viên", "A", "2", "1985-01-01", ["staff_category": "vien_chuc"]),
            // B: the commune (BM02, BM04).
            ("Lò Văn Xa", "B", "1", "1975-04-04", [
                "staff_category": "can_bo_xa", "ethnicity": "03", "general_education": "12/12", "qualification": "DH", "political_theory": "TC",
                "state_management": "CV", "rotated_from_district": true, "party_join_date": "1999-09-09", "position_title": "Chủ tịch UBND xã",
                "position_appointed_date": "2021-06-15", "salary_step": 4, "salary_coefficient": 2.86, "ngach": "01.005"]),
            ("Điêu Thị Xã", "B", "2", "1990-01-01", [
                "staff_category": "cong_chuc_xa", "ethnicity": "01", "religion": "08", "general_education": "9/12", "qualification": "TC",
                "it_level": "CNTT_NC", "birth_date_precision": "year"]),
            ("Hà Văn Cũ", "B", "1", "1963-05-05", [
                "staff_category": "cong_chuc_xa", "general_education": "7/10", "qualification": "SC", "state_management": "CQDT", "english_level": "C"]),
            ("Sùng Thị Mỷ", "B", "2", "2001-02-28", [
                "staff_category": "cong_chuc_xa", "ethnicity": "08", "general_education": "tieu_hoc", "state_management": "CVC"]),
        ]
        for (name, unit, sex, birth, extra) in people {
            var body = TestNode.person(name: name, unit: node.units[unit]!, sex: sex, birth: birth)
            for (k, v) in extra { body[k] = v }
            ids[name] = try node.store.createDossier(cli, body)["id"]!.stringValue!
        }
        // Salary history: Một moved from an equivalent grade (06.031, also A1) in 2024;
        // Bốn's current salary starts after the report date, so the form uses the 2023 row.
        for (person, date, ngach, step, coefficient) in [("Trần Văn Một", "2020-01-01", "06.031", 2, 2.67), ("Trần Văn Một", "2024-01-01", "01.003", 3, 3.00),
                                                         ("Nguyễn Thị Bốn", "2023-09-01", "01.001", 1, 6.20)] {
            _ = try node.store.createSubRecord(cli, personID: ids[person]!, kind: DossierSchema.salary, body: [
                "effective_date": .string(date), "ngach": .string(ngach), "step": .number(Double(step)), "coefficient": .number(coefficient)])
        }
        _ = try node.store.recordMovement(cli, personID: ids["Ngô Văn Tám"]!, MovementRequest(kind: "thoi_viec", effective_date: "2026-08-01"))
        _ = try node.store.recordMovement(cli, personID: ids["Lý Văn Mười"]!, MovementRequest(kind: "thoi_viec", effective_date: "2026-03-01"))
        for (unit, quota) in [("P", 0), ("A", 5), ("A1", 3)] {
            try node.store.setQuota(cli, unitID: node.units[unit]!, year: 2026, category: cc, quota: quota)
        }
        return (node, ids)
    }

    /// The row of `table` whose unit column reads `name` (or the total).
    func row(_ table: ReportTable, _ name: String) -> [String: ReportCell] {
        let cells = name == "total" ? table.total! : table.rows.first { $0[1] == .text(name) }!
        return Dictionary(uniqueKeysWithValues: zip(table.columns.map(\.key), cells))
    }

    func ints(_ row: [String: ReportCell], except: Set<String> = ["stt", "unit", "quota"]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (key, cell) in row where !except.contains(key) {
            if case .int(let n) = cell { out[key] = n }
        }
        return out
    }

    /// Every count column of BM01 zero except the given ones.
    func expected(_ table: ReportTable, _ nonZero: [String: Int]) -> [String: Int] {
        var all: [String: Int] = [:]
        for column in table.columns where !["stt", "unit", "quota"].contains(column.key) { all[column.key] = 0 }
        for (k, v) in nonZero { all[k] = v }
        return all
    }

    @Test func bm01EveryColumn() async throws {
        let (node, _) = try await node()
        let table = try node.store.tt11Report(cli, form: .bm01, unitID: node.units["P"], asOf: Self.asOf)
        #expect(table.form == "Biểu mẫu số 01/BNV")
        #expect(table.title == "Báo cáo số lượng, chất lượng công chức từ cấp huyện trở lên năm 2026")
        #expect(table.columns.count == 40)
        #expect(table.rows.map { $0[1] } == [.text("UBND tỉnh (cơ quan)"), .text("Sở A"), .text("UBND xã B")])
        // P's own office: Chín, 26, Chuyên viên, Sơ cấp.
        let p = row(table, "UBND tỉnh (cơ quan)")
        #expect(p["quota"] == .int(0))
        #expect(ints(p) == expected(table, ["total": 1, "ngach_cv": 1, "cm_sc": 1, "age_30": 1]))
        // Sở A with Phòng A1: Một, Hai, Ba, Bốn, Năm, Sáu and Tám (who leaves on 01/08).
        let a = row(table, "Sở A")
        #expect(a["quota"] == .int(8))
        #expect(ints(a) == expected(table, [
            "total": 7, "female": 3, "party": 4, "minority": 1, "religion": 2,
            "ngach_cvcc": 1, "ngach_cvc": 1, "ngach_cv": 3, "ngach_cs": 1, "ngach_nv": 1,
            "cm_ts": 1, "cm_ths": 1, "cm_dh": 3, "cm_cd": 1, "cm_tc": 1,
            "ct_cn": 1, "ct_cc": 1, "ct_tc": 1, "ct_sc": 1, "th_tc": 1, "th_cc": 2,
            "en_dh": 1, "en_cc": 1, "nn_cc": 1, "dt_cc": 1, "ql_cvcc": 1, "ql_cvc": 1, "ql_cv": 1,
            "age_30": 1, "age_31_40": 1, "age_41_50": 2, "age_51_60": 2, "age_f51_55": 1, "age_m56_60": 1, "age_over": 1,
        ]))
        // The commune has no công chức from district level up.
        let b = row(table, "UBND xã B")
        #expect(b["quota"] == .empty)
        #expect(ints(b) == expected(table, [:]))
        let total = row(table, "total")
        #expect(total["quota"] == .int(8))
        #expect(ints(total) == expected(table, [
            "total": 8, "female": 3, "party": 4, "minority": 1, "religion": 2,
            "ngach_cvcc": 1, "ngach_cvc": 1, "ngach_cv": 4, "ngach_cs": 1, "ngach_nv": 1,
            "cm_ts": 1, "cm_ths": 1, "cm_dh": 3, "cm_cd": 1, "cm_tc": 1, "cm_sc": 1,
            "ct_cn": 1, "ct_cc": 1, "ct_tc": 1, "ct_sc": 1, "th_tc": 1, "th_cc": 2,
            "en_dh": 1, "en_cc": 1, "nn_cc": 1, "dt_cc": 1, "ql_cvcc": 1, "ql_cvc": 1, "ql_cv": 1,
            "age_30": 2, "age_31_40": 1, "age_41_50": 2, "age_51_60": 2, "age_f51_55": 1, "age_m56_60": 1, "age_over": 1,
        ]))
        // A later date: Tám has left, Bảy has come, Năm is a Party member, Hai turned 31.
        let later = try node.store.tt11Report(cli, form: .bm01, unitID: node.units["A"], asOf: CalendarDate(iso: "2026-09-30")!)
        #expect(later.rows.map { $0[1] } == [.text("Sở A (cơ quan)"), .text("Phòng A1")])
        let laterTotal = row(later, "total")
        #expect(laterTotal["total"] == .int(7))
        #expect(laterTotal["party"] == .int(4))
        #expect(laterTotal["age_30"] == .int(1))
        #expect(laterTotal["quota"] == .int(8))
    }

    @Test func bm02EveryColumn() async throws {
        let (node, _) = try await node()
        let table = try node.store.tt11Report(cli, form: .bm02, unitID: node.units["P"], asOf: Self.asOf)
        #expect(table.columns.count == 40)
        #expect(table.columns.first { $0.key == "quota" } == nil)
        #expect(table.rows.map { $0[1] } == [.text("Sở A"), .text("UBND xã B")])
        #expect(ints(row(table, "Sở A")) == expected(table, [:]))
        let expectedB = expected(table, [
            "total": 4, "female": 2, "party": 1, "minority": 2, "religion": 1, "cd_cbx": 1, "cd_ccx": 3,
            "cm_dh": 1, "cm_tc": 1, "cm_sc": 1, "pt_thpt": 1, "pt_thcs": 2, "pt_th": 1, "ct_tc": 1, "th_cc": 1, "en_cc": 1,
            "ql_cvc": 1, "ql_cv": 1, "ql_cqdt": 2,
            "age_30": 1, "age_31_40": 1, "age_51_60": 1, "age_over": 1, "rotated": 1,
        ])
        #expect(ints(row(table, "UBND xã B")) == expectedB)
        #expect(ints(row(table, "total")) == expectedB)
    }

    @Test func bm03AndBm04Rows() async throws {
        let (node, _) = try await node()
        let bm03 = try node.store.tt11Report(cli, form: .bm03, unitID: node.units["P"], asOf: Self.asOf)
        // Tree order (P, A, A1), then the Vietnamese name order (given name first).
        #expect(bm03.rows.map { $0[1] } == ["Bùi Văn Chín", "Nguyễn Thị Bốn", "Trần Văn Một", "Đỗ Thị Sáu", "Ngô Văn Tám",
                                            "Phạm Văn Ba", "Lê Thị Hai", "Hoàng Văn Năm"].map(ReportCell.text))
        func person(_ table: ReportTable, _ name: String) -> [String: ReportCell] {
            Dictionary(uniqueKeysWithValues: zip(table.columns.map(\.key), table.rows.first { $0[1] == .text(name) }!))
        }
        let mot = person(bm03, "Trần Văn Một")
        #expect(mot["birth_male"] == .text("10/05/1990"))
        #expect(mot["birth_female"] == .empty)
        #expect(mot["position"] == .text("Phó Trưởng phòng"))
        #expect(mot["unit"] == .text("Sở A"))
        // In an equivalent grade since 01/01/2020 (06.031, then 01.003 from 2024).
        #expect(mot["grade_time"] == .text("6 năm 5 tháng"))
        #expect(mot["coefficient"] == .decimal(3.0))
        #expect(mot["ngach"] == .text("01.003"))
        #expect(mot["pc_position"] == .decimal(0.2))
        #expect(mot["pc_responsibility"] == .decimal(0.1))
        #expect(mot["pc_regional"] == .decimal(0.3))
        #expect(mot["pc_over_scale"] == .empty)
        #expect(mot["pc_percent_total"] == .int(10))
        // Bốn's raise of 01/09/2026 is after the report date: the 2023 salary applies.
        let bon = person(bm03, "Nguyễn Thị Bốn")
        #expect(bon["birth_female"] == .text("10/02/1969"))
        #expect(bon["coefficient"] == .decimal(6.2))
        #expect(bon["grade_time"] == .text("2 năm 9 tháng"))
        let ba = person(bm03, "Phạm Văn Ba")
        #expect(ba["coefficient"] == .decimal(6.78))
        #expect(ba["pc_over_scale"] == .int(7))
        #expect(ba["pc_percent_total"] == .int(32))
        #expect(ba["note"] == .text("Phụ cấp công vụ"))
        #expect(ba["grade_time"] == .text("4 năm 2 tháng"))
        #expect(ba["stt"] == .text("6"))
        // A declared date of entering the grade wins.
        #expect(person(bm03, "Đỗ Thị Sáu")["grade_time"] == .text("16 năm 1 tháng"))
        #expect(bm03.total?[1] == .text("Tổng cộng: 8 người"))

        let bm04 = try node.store.tt11Report(cli, form: .bm04, unitID: node.units["B"], asOf: Self.asOf)
        #expect(bm04.rows.count == 4)
        let xa = person(bm04, "Lò Văn Xa")
        #expect(xa["position"] == .text("Chủ tịch UBND xã"))
        #expect(xa["position_time"] == .text("5 năm"))
        #expect(xa["step"] == .int(4))
        #expect(xa["coefficient"] == .decimal(2.86))
        // Only the year of birth known: only the year is printed.
        #expect(person(bm04, "Điêu Thị Xã")["birth_female"] == .text("1990"))
        #expect(bm04.columns.first { $0.key == "ngach" } == nil && bm04.columns.first { $0.key == "grade_time" } == nil)
    }

    @Test func scopeIsEnforced() async throws {
        let (node, _) = try await node()
        let hrB = Principal(userID: nil, username: "hr.b", role: .hr, unitID: node.units["B"], personID: nil, subtree: [node.units["B"]!])
        // HR of the commune: its own subtree by default, nothing above it.
        let own = try node.store.tt11Report(hrB, form: .bm02, unitID: nil, asOf: Self.asOf)
        #expect(own.total.flatMap { row in own.columns.firstIndex { $0.key == "total" }.map { row[$0] } } == .int(4))
        #expect(throws: NodeError.self) { try node.store.tt11Report(hrB, form: .bm01, unitID: node.units["A"], asOf: Self.asOf) }
        let staff = Principal(userID: nil, username: "staff.a1", role: .staff, unitID: node.units["A1"], personID: node.dossierA1, subtree: [])
        #expect(throws: NodeError.self) { try node.store.tt11Report(staff, form: .bm01, unitID: nil, asOf: Self.asOf) }
    }

    @Test func exportsOpenAsSpreadsheets() async throws {
        let (node, _) = try await node()
        var request = ReportRequest(report: "bm01", unitID: node.units["P"], asOf: Self.asOf, format: .xlsx)
        let xlsx = try node.store.renderReport(cli, request)
        #expect(xlsx.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        #expect(xlsx.filename == "bao-cao-bm01-2026-06-30.xlsx")
        // Read it back with Python's zipfile and XML parser (CRC, well-formed parts, values).
        let cells = try await Self.readXLSXOffPool(xlsx.bytes)
        #expect(cells["A1"] == "Biểu mẫu số 01/BNV")
        #expect(cells.values.contains("Tổng số biên chế được giao"))
        #expect(cells.values.contains("Chia theo trình độ đào tạo"))
        let totalRow = cells.first { $0.value == "Tổng cộng" }.map { $0.key.drop { $0.isLetter } }
        #expect(totalRow != nil)
        if let totalRow {
            #expect(cells["C\(totalRow)"] == "8")   // quota
            #expect(cells["D\(totalRow)"] == "8")   // headcount
        }
        request.format = .csv
        let csv = try node.store.renderReport(cli, request)
        #expect(csv.bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: csv.bytes.dropFirst(3), as: UTF8.self)
        #expect(text.contains("Trong đó - Nữ"))
        #expect(text.contains("Chia theo trình độ đào tạo - Ngoại ngữ - Tiếng Anh - Đại học trở lên"))
        #expect(text.contains("\r\n,Tổng cộng,8,8,3,4,1,2,"))
        request.format = .html
        let html = String(decoding: try node.store.renderReport(cli, request).bytes, as: UTF8.self)
        #expect(html.contains("<th colspan=\"4\">Trong đó</th>"))
        #expect(html.contains("Ban hành kèm theo Thông tư số 11/2012/TT-BNV"))
        #expect(!html.contains("<script"))
    }

    static func readXLSXOffPool(_ bytes: [UInt8]) async throws -> [String: String] {
        try await offPool { try readXLSX(bytes) }
    }

    /// Cell reference → text of the first sheet, read by Python's standard library.
    static func readXLSX(_ bytes: [UInt8]) throws -> [String: String] {
        let path = NSTemporaryDirectory() + "hoso-report-\(UUID().uuidString).xlsx"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
            import json, sys, zipfile, xml.etree.ElementTree as ET
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            for name in z.namelist():
                if name.endswith('.xml') or name.endswith('.rels'):
                    ET.fromstring(z.read(name))
            ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
            root = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
            cells = {}
            for c in root.iter('{%s}c' % ns['m']):
                v = c.find('m:v', ns)
                t = c.find('m:is/m:t', ns)
                if t is not None: cells[c.get('r')] = t.text or ''
                elif v is not None: cells[c.get('r')] = v.text
            print(json.dumps(cells))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, case .object(let o) = try JSONValue.parse(String(decoding: data, as: UTF8.self)) else {
            throw NodeError(.badRequest, "xlsx", "python could not read the workbook")
        }
        return o.compactMapValues(\.stringValue)
    }

    @Test func staffingFlagsOverAndUnder() async throws {
        let (node, _) = try await node()
        let rows = try node.store.staffingRows(cli, unitID: node.units["P"], year: 2026)
        func find(_ unit: String, _ category: String) -> StaffingRowDTO? { rows.first { $0.unit_id == node.units[unit] && $0.category == category } }
        // Counted on 31/12/2026 (or today): Bảy has come, Tám and Mười have left.
        func summary(_ unit: String, _ category: String) -> String {
            find(unit, category).map { "\($0.quota.map(String.init) ?? "-") \($0.actual) \($0.difference.map(String.init) ?? "-") \($0.status)" } ?? "none"
        }
        #expect(summary("P", "cong_chuc") == "0 1 1 over")
        #expect(summary("A", "cong_chuc") == "5 4 -1 under")
        #expect(summary("A1", "cong_chuc") == "3 3 0 ok")
        #expect(summary("A", "vien_chuc") == "- 1 - no_quota")
        #expect(summary("B", "cong_chuc_xa") == "- 3 - no_quota")
        #expect(find("B", "cong_chuc_xa")?.status_name == "Chưa giao biên chế")
        #expect(rows.map(\.unit_id).first == node.units["P"])
        let table = try node.store.reportTable(cli, ReportRequest(report: "staffing", unitID: node.units["P"]))
        #expect(table.rows.count == rows.count)
    }

    @Test func reportBuilderGroupsAndLists() async throws {
        let (node, _) = try await node()
        let grouped = try node.store.customReport(cli, try CustomReportRequest(json: [
            "criteria": ["staff_category": "cong_chuc", "unit_id": .string(node.units["P"]!)], "group_by": ["unit", "sex"], "as_of": "2026-06-30",
        ]))
        #expect(grouped.rows.map { Array($0[1...3]) } == [
            [.text("UBND tỉnh"), .text("Nam"), .int(1)], [.text("Sở A"), .text("Nam"), .int(2)], [.text("Sở A"), .text("Nữ"), .int(2)],
            [.text("Phòng A1"), .text("Nam"), .int(2)], [.text("Phòng A1"), .text("Nữ"), .int(1)],
        ])
        #expect(grouped.total.map { Array($0[3...6]) } == [.int(8), .int(3), .int(4), .int(1)])
        let list = try node.store.customReport(cli, try CustomReportRequest(json: [
            "criteria": ["name": "nguyen thi", "unit_id": .string(node.units["P"]!)], "columns": ["full_name", "unit", "age", "ngach", "sex"],
            "as_of": "2026-06-30",
        ]))
        #expect(list.rows == [[.text("1"), .text("Nguyễn Thị Bốn"), .text("Sở A"), .int(57), .text("Chuyên viên cao cấp"), .text("Nữ")]])
        #expect(throws: NodeError.self) { try CustomReportRequest(json: ["group_by": ["salary"], "columns": ["password"]]) }
    }

    @Test func apiProducesEveryFormatAndRunsJobs() async throws {
        let (node, _) = try await node()
        let admin = try await node.login("admin")
        let unit = node.units["P"]!
        var response = await node.send(.get, "/api/reports/bm01?unit_id=\(unit)&as_of=30/06/2026&format=html", token: admin.token)
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
        #expect(response.bodyText.contains("Biểu mẫu số 01/BNV"))
        response = await node.send(.get, "/api/reports/bm05", token: admin.token)
        #expect(response.status.code == 422)
        response = await node.send(.get, "/api/reports/bm01?as_of=31/02/2026", token: admin.token)
        #expect(response.status.code == 422 && response.bodyText.contains("as_of"))
        response = await node.send(.get, "/api/reports/bm01?format=pdf", token: admin.token)
        #expect(response.status.code == 422)
        // A head of unit A cannot report on the commune.
        let head = try await node.login("head.a")
        response = await node.send(.get, "/api/reports/bm02?unit_id=\(node.units["B"]!)", token: head.token)
        #expect(response.status.code == 404)

        // Background job: 202, progress, result; invisible to another user.
        response = await node.send(.post, "/api/report-jobs", json: ["report": "bm03", "unit_id": .string(unit), "as_of": "2026-06-30", "format": "xlsx"],
                                   token: admin.token, headers: [("X-CSRF-Token", admin.csrf)])
        #expect(response.status.code == 202)
        let job = try JSONValue.parse(response.bodyText)
        let id = job["id"].stringValue ?? ""
        #expect(response.headers["Location"] == "/api/report-jobs/\(id)")
        var status = ""
        for _ in 0..<200 {
            let poll = await node.send(.get, "/api/report-jobs/\(id)", token: admin.token)
            status = (try? JSONValue.parse(poll.bodyText))?["status"].stringValue ?? ""
            if status == "done" || status == "failed" { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(status == "done")
        let result = await node.send(.get, "/api/report-jobs/\(id)/result", token: admin.token)
        #expect(result.status.code == 200)
        #expect(result.headers["Content-Disposition"] == "attachment; filename=\"bao-cao-bm03-2026-06-30.xlsx\"")
        let cells = try await Self.readXLSXOffPool(result.body)
        #expect(cells.values.contains("Trần Văn Một"))
        let other = await node.send(.get, "/api/report-jobs/\(id)", token: head.token)
        #expect(other.status.code == 404)
        let list = await node.send(.get, "/api/report-jobs", token: admin.token)
        #expect(list.bodyText.contains(id))
        // Bad job bodies are refused with every problem named.
        response = await node.send(.post, "/api/report-jobs", json: ["report": "custom", "custom": ["group_by": ["x"]], "colour": "red"],
                                   token: admin.token, headers: [("X-CSRF-Token", admin.csrf)])
        #expect(response.status.code == 422)
        #expect(response.bodyText.contains("custom.group_by") && response.bodyText.contains("colour"))
        // Reports are audited.
        let audit = try node.store.auditLog(cli, AuditFilter(action: "report"))
        #expect(audit.count >= 2)
    }

    /// A report holds its own snapshot on a reader connection: while it is stopped in the
    /// middle, dossiers are still written, and the report is not disturbed by them.
    @Test func reportNeverBlocksWriting() async throws {
        let (node, _) = try await offPool { try Self.makeNode() }
        let reached = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let store = node.store, cli = self.cli, unit = node.units["A"]!
        let report = Task { try await offPool {
            try store.tt11Report(cli, form: .bm01, unitID: unit, asOf: Self.asOf) { phase, _ in
                if phase == "Tổng hợp" { reached.signal(); release.wait() }
            }
        } }
        try await offPool { reached.wait() }
        // The report is mid-way with its read transaction open: a write goes through.
        let created = try store.createDossier(cli, TestNode.person(name: "Người Mới", unit: unit))
        #expect(created["id"] != nil)
        try store.setQuota(cli, unitID: unit, year: 2026, category: "cong_chuc", quota: 6)
        release.signal()
        let table = try await report.value
        #expect(table.total.flatMap { row in table.columns.firstIndex { $0.key == "total" }.map { row[$0] } } == .int(7))
    }
}
