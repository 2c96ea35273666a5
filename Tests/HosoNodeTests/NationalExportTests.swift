import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoSQLite
import HosoTestSupport
import Testing

/// The export for the national CBCCVC database (NĐ 27/2026): one record per person keyed
/// by the personal id, the dossiers that cannot be keyed listed with the reason.
@Suite struct NationalExportTests {
    /// The test node with the fixture list imported (3 dossiers with personal ids), a
    /// training and a salary row on one of them, one person moved out of the province,
    /// two dossiers of old data whose ids are malformed or contradict the birth date, and
    /// the test node's own two dossiers without an id.
    static func province() async throws -> (node: TestNode, hoa: String) {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let imported = await node.send(.post, "/api/imports?dry_run=false", token: hr.token, headers: [("Content-Type", "text/csv")],
                                       body: SpreadsheetImportTests.fixture)
        let hoa = try #require(imported.json["rows"][0]["dossier_id"].stringValue, "\(imported.bodyText)")
        _ = await node.send(.post, "/api/dossiers/\(hoa)/training", json: ["institution": "Trường Đại học Đồng Tháp", "from_month": "2006-09",
                                                                         "to_month": "2010-06", "form": "chinh_quy"], token: hr.token)
        _ = await node.send(.post, "/api/dossiers/\(hoa)/salary", json: ["effective_date": "2024-01-01", "ngach": "01.003", "step": 4,
                                                                       "coefficient": 3.33], token: hr.token)
        for (name, id, birth) in [("Bùi Văn Đi", "087070000111", "1970-05-05"), ("Cao Văn Cũ", "087071000222", "1971-05-05"),
                                  ("Đỗ Văn Lệch", "087072000333", "1972-05-05")] {
            var body = TestNode.person(name: name, unit: node.units["A1"]!, birth: birth)
            body["personal_id"] = .string(id)
            _ = try node.store.createDossier(.commandLine(), body)
        }
        let moved = try #require(try node.store.listDossiers(.commandLine(), DossierFilter(query: "087070000111")).items.first?["id"]?.stringValue)
        let movement = await node.send(.post, "/api/dossiers/\(moved)/movements", json: ["kind": "chuyen_ngoai_tinh", "effective_date": "2026-03-01",
                                                                                      "destination": "Tỉnh Vĩnh Long"], token: hr.token)
        #expect(movement.status.code == 201, "\(movement.bodyText)")
        // Data from before validation existed (or replicated from an old node): written past the validator.
        try await node.store.db.write { c in
            try c.execute("UPDATE person SET personal_id = '12345' WHERE personal_id = '087071000222'")
            try c.execute("UPDATE person SET personal_id = '087099000333' WHERE personal_id = '087072000333'")
        }
        return (node, hoa)
    }

    @Test func oneRecordPerPersonKeyedByThePersonalID() async throws {
        let (node, hoa) = try await Self.province()
        let leader = try await node.login("leader")
        let response = await node.send(.get, "/api/exports/national", token: leader.token)
        #expect(response.status.code == 200, "\(response.bodyText.prefix(300))")
        #expect(response.headers["Content-Type"]?.hasPrefix("application/x-ndjson") == true)
        #expect(response.headers["Content-Disposition"]?.contains(".jsonl") == true)
        let lines = response.bodyText.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        #expect(lines.count == 3)
        #expect(response.headers["X-Hoso-Exported"] == "3")
        #expect(response.headers["X-Hoso-Rejected"] == "4")
        #expect(response.headers["X-Hoso-Excluded"] == "1")
        let records = lines.compactMap { $0 }
        #expect(Set(records.compactMap { $0["so_dinh_danh"].stringValue }) == ["087188004321", "087079005678", "087195001122"])
        for record in records {
            #expect(record["ma_ho_so"] == record["so_dinh_danh"], "the record id is the personal id")
            #expect(record["dinh_dang"] == .string(NationalRecordLayout.format))
            for group in NationalRecordLayout.groups { #expect(record[group.key].objectValue != nil, "\(group.key)") }
        }
        let record = try #require(records.first { $0["so_dinh_danh"] == "087188004321" })
        let basic = record["nhom_01_thong_tin_co_ban"]
        #expect(basic["full_name"] == "Lê Thị Hoa")
        #expect(basic["birth_date"] == "1988-09-05")
        #expect(basic["sex"] == ["ma": "2", "ten": "Nữ", "danh_muc": "gioi_tinh"], "codes travel with their names")
        #expect(basic["ethnicity"]["ten"] == "Kinh")
        #expect(basic["phone"] == .null, "empty fields are left out")
        let work = record["nhom_06_cong_tac_luong_danh_gia"]
        #expect(work["co_quan_don_vi"] == ["ma": "A1", "ten": "Phòng A1"])
        #expect(work["ngach"]["ma"] == "01.003")
        #expect(work["salary_coefficient"] == .number(3.33))
        #expect(work["salary"][0]["coefficient"] == .number(3.33))
        #expect(record["nhom_05_hoc_van_dao_tao"]["training"][0]["institution"] == "Trường Đại học Đồng Tháp")
        #expect(record["nhom_05_hoc_van_dao_tao"]["qualification"]["ma"] == "DH")
        #expect(record["nhom_04_tuyen_dung_bo_nhiem"]["employment_status"]["ma"] == "dang_cong_tac")
        #expect(!response.bodyText.contains(hoa), "keyed by the personal id, not by hoso's row ids")
        let audited = try await node.store.db.read { c in
            try c.scalar("SELECT count(*) FROM audit_log WHERE action = 'export' AND entity = 'national_export' AND username = 'leader'", as: Int.self)
        }
        #expect(audited == 1)
    }

    @Test func dossiersWithoutAValidIDAreListedNotDropped() async throws {
        let (node, _) = try await Self.province()
        let admin = try await node.login("admin")
        let response = await node.send(.get, "/api/exports/national/rejected", token: admin.token)
        #expect(response.status.code == 200)
        let summary = try JSONDecoder().decode(NationalExportSummary.self, from: Data(response.body))
        #expect(summary.exported == 3)
        #expect(summary.excluded_moved_out == 1)
        let total = try node.store.listDossiers(.commandLine(), DossierFilter(perPage: 200)).total
        #expect(summary.exported + summary.rejected.count + summary.excluded_moved_out == total, "every dossier is accounted for")
        let byName = Dictionary(uniqueKeysWithValues: summary.rejected.map { ($0.full_name, $0) })
        #expect(byName["Nguyễn Văn An"]?.code == "missing_personal_id")
        #expect(byName["Nguyễn Văn An"]?.unit_name == "Phòng A1")
        #expect(byName["Trần Thị Bình"]?.code == "missing_personal_id")
        #expect(byName["Cao Văn Cũ"]?.code == "invalid_personal_id")
        #expect(byName["Cao Văn Cũ"]?.personal_id == "12345")
        #expect(byName["Đỗ Văn Lệch"]?.code == "inconsistent_personal_id")
        #expect(byName["Đỗ Văn Lệch"]?.reason.contains("1999") == true)
        // For the HR officers who fix them: a CSV with dates as they write them.
        let csv = await node.send(.get, "/api/exports/national/rejected?format=csv", token: admin.token)
        #expect(csv.headers["Content-Type"]?.hasPrefix("text/csv") == true)
        #expect(csv.bodyText.contains("Cao Văn Cũ,05/05/1971,A1,Phòng A1,12345,"), "\(csv.bodyText)")
        #expect(csv.bodyText.contains("Chưa có số định danh cá nhân"))
        // One unit's subtree only.
        let b = try JSONDecoder().decode(NationalExportSummary.self, from: Data(
            await node.send(.get, "/api/exports/national/rejected?unit_id=\(node.units["B"]!)", token: admin.token).body))
        #expect(b.exported == 0 && b.rejected.map(\.full_name) == ["Trần Thị Bình"])
        #expect(await node.send(.get, "/api/exports/national?unit_id=khong-co", token: admin.token).status.code == 404)
        #expect(await node.send(.get, "/api/exports/national/rejected?format=xml", token: admin.token).status.code == 400)
    }

    @Test func onlyProvinceLeadersAndAdminsExport() async throws {
        let node = try TestNode()
        for user in ["hr.a", "head.a", "staff.a1", "hr.b"] {
            let s = try await node.login(user)
            for path in ["/api/exports/national", "/api/exports/national/rejected", "/api/exports/national/rejected?format=csv"] {
                let response = await node.send(.get, path, token: s.token)
                #expect(response.status.code == 403, "\(user) \(path): \(response.status.code)")
            }
        }
        #expect(await node.send(.get, "/api/exports/national").status.code == 401)
        for user in ["leader", "admin"] {
            #expect(try await node.send(as: user, .get, "/api/exports/national").status.code == 200)
        }
    }
}
