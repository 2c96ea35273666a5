import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// Alerts from the rules of domain.md, on 30/06/2026 with edge cases computed by hand.
@Suite struct AlertTests {
    let cli = Principal.commandLine("test")
    static let asOf = CalendarDate(iso: "2026-06-30")!

    /// One node for the read-only tests (building it is the costly part; the suite runs
    /// in parallel with the live-server tests on two cores).
    static let shared = Task { try await offPool { try makeNode() } }

    func node() async throws -> (TestNode, [String: String]) { try await Self.shared.value }

    static func makeNode() throws -> (TestNode, [String: String]) {
        let cli = Principal.commandLine("test")
        let node = try TestNode()
        var ids: [String: String] = [:]
        let people: [(String, String, String, JSONObject)] = [
            // 36 months from 31/08/2023, +6 for a reprimand, +6 for 2025 "not completed",
            // which only falls inside the step once the first extension is counted.
            ("Trần Văn Kéo", "1", "1980-01-01", ["staff_category": "cong_chuc", "ngach": "01.003", "salary_step": 2, "salary_effective_date": "2023-08-31"]),
            // A viên chức's reprimand lengthens the step by 3 months, not 6.
            ("Lê Thị Viên", "2", "1988-03-03", ["staff_category": "vien_chuc", "ngach": "01.003", "salary_step": 1, "salary_effective_date": "2023-06-15"]),
            // Last step of group B (24 months): 5 % over-scale due 15/06/2026, already overdue.
            ("Phạm Văn Khung", "1", "1970-07-07", ["staff_category": "cong_chuc", "ngach": "01.005", "salary_step": 12, "salary_effective_date": "2024-06-15"]),
            // Born 28/02/1965: 61y6m reached in August 2026, retires 01/09/2026.
            ("Hoàng Văn Hưu", "1", "1965-02-28", [:]),
            // Only the year of birth known: retires 01/01/2027, notice due 01/07/2026.
            ("Đỗ Văn Năm", "1", "1965-01-01", ["birth_date_precision": "year"]),
            ("Vũ Thị Nhiệm", "2", "1978-05-05", ["position_title": "Trưởng phòng", "position_appointed_date": "2021-08-15"]),
            ("Bùi Văn Luật", "1", "1982-02-02", [:]),
            ("Ngô Thị Mới", "2", "2000-02-02", ["recruitment_date": "2026-05-01"]),
            ("Mai Văn Yên", "1", "1990-09-09", ["staff_category": "cong_chuc", "ngach": "01.003", "salary_step": 1, "salary_effective_date": "2025-01-01"]),
        ]
        for (name, sex, birth, extra) in people {
            var body = TestNode.person(name: name, unit: node.units["A1"]!, sex: sex, birth: birth)
            for (k, v) in extra { body[k] = v }
            ids[name] = try node.store.createDossier(cli, body)["id"]!.stringValue!
        }
        func add(_ person: String, _ kind: RecordKind, _ body: JSONObject) throws {
            _ = try node.store.createSubRecord(cli, personID: ids[person]!, kind: kind, body: body)
        }
        try add("Trần Văn Kéo", DossierSchema.discipline, ["decision_date": "2024-01-05", "effective_date": "2024-01-10", "form": "khien_trach", "decision_no": "12/QĐ"])
        try add("Trần Văn Kéo", DossierSchema.evaluation, ["year": 2025, "result": "KHT"])
        try add("Trần Văn Kéo", DossierSchema.evaluation, ["year": 2024, "result": "HTT"])
        try add("Lê Thị Viên", DossierSchema.discipline, ["decision_date": "2024-02-01", "form": "khien_trach"])
        try add("Bùi Văn Luật", DossierSchema.discipline, ["decision_date": "2025-07-25", "effective_date": "2025-08-01", "form": "canh_cao"])
        return (node, ids)
    }

    func find(_ alerts: [AlertDTO], _ kind: AlertKind, _ person: String) -> AlertDTO? {
        alerts.first { $0.kind == kind.rawValue && $0.person_name == person }
    }

    @Test func alertDatesOnEdgeCases() async throws {
        let (node, _) = try await node()
        let alerts = try node.store.alerts(cli, unitID: node.units["A"], asOf: Self.asOf, horizonDays: 90)
        func due(_ kind: AlertKind, _ person: String) -> String? { find(alerts, kind, person).map { "\($0.due_date) \($0.days_left)" } }
        #expect(due(.salaryStep, "Lê Thị Viên") == "2026-09-15 77")
        #expect(due(.overScale, "Phạm Văn Khung") == "2026-06-15 -15")
        #expect(find(alerts, .overScale, "Phạm Văn Khung")?.overdue == true)
        #expect(find(alerts, .overScale, "Phạm Văn Khung")?.detail.contains("vượt khung 5%") == true)
        // The decision is overdue, so the notice is no longer listed separately.
        #expect(due(.retirementDecision, "Hoàng Văn Hưu") == "2026-06-01 -29")
        #expect(due(.retirementNotice, "Hoàng Văn Hưu") == nil)
        #expect(find(alerts, .retirementDecision, "Hoàng Văn Hưu")?.detail.contains("01/09/2026") == true)
        #expect(due(.retirementNotice, "Đỗ Văn Năm") == "2026-07-01 1")
        #expect(due(.retirementDecision, "Đỗ Văn Năm") == nil, "01/10/2026 is beyond 90 days")
        #expect(due(.appointmentTerm, "Vũ Thị Nhiệm") == "2026-08-15 46")
        // No expiry date given: 12 months after it took effect.
        #expect(due(.disciplineExpiry, "Bùi Văn Luật") == "2026-08-01 32")
        // Recorded today, long after the decision and the recruitment.
        #expect(due(.lateUpdate, "Bùi Văn Luật") == "2025-08-16 -318")
        #expect(due(.lateUpdate, "Ngô Thị Mới") == "2026-05-31 -30")
        // Outside the horizon: Kéo (31/08/2027), Yên (01/01/2028).
        #expect(due(.salaryStep, "Trần Văn Kéo") == nil)
        #expect(alerts.allSatisfy { $0.person_name != "Mai Văn Yên" })
        // Sorted by due date.
        #expect(alerts.map(\.due_date) == alerts.map(\.due_date).sorted())

        let far = try node.store.alerts(cli, unitID: node.units["A"], asOf: Self.asOf, horizonDays: 500, kinds: [.salaryStep])
        #expect(Set(far.map(\.kind)) == ["salary_step"])
        let keo = find(far, .salaryStep, "Trần Văn Kéo")
        #expect(keo?.due_date == "2027-08-31")
        #expect(keo?.detail.contains("bậc 2 → bậc 3, hệ số 3,00") == true)
        #expect(keo?.detail.contains("kéo dài 12 tháng") == true)
        #expect(keo?.detail.contains("Khiển trách (QĐ 12/QĐ)") == true)
    }

    @Test func alertsThroughTheAPIAndExported() async throws {
        let (node, _) = try await node()
        let hr = try await node.login("hr.a")
        var response = await node.send(.get, "/api/alerts?as_of=2026-06-30&horizon_days=90&kinds=retirement_notice,retirement_decision", token: hr.token)
        #expect(response.status.code == 200)
        guard case .array(let items) = try JSONValue.parse(response.bodyText) else { Issue.record("not a list"); return }
        #expect(items.compactMap { $0["person_name"].stringValue }.sorted() == ["Hoàng Văn Hưu", "Đỗ Văn Năm"])
        response = await node.send(.get, "/api/alerts?kinds=birthday", token: hr.token)
        #expect(response.status.code == 422)
        response = await node.send(.get, "/api/alerts?horizon_days=-1", token: hr.token)
        #expect(response.status.code == 422)
        response = await node.send(.get, "/api/reports/alerts?as_of=2026-06-30&format=csv", token: hr.token)
        #expect(response.status.code == 200)
        let csv = String(decoding: response.body.dropFirst(3), as: UTF8.self)
        #expect(csv.contains("Đến hạn quyết định nghỉ hưu (trước 3 tháng)"))
        #expect(csv.contains("QUÁ HẠN"))
        // The commune's HR sees none of unit A's people.
        let hrB = try await node.login("hr.b")
        response = await node.send(.get, "/api/alerts?as_of=2026-06-30&horizon_days=3650", token: hrB.token)
        #expect(!response.bodyText.contains("A1") && !response.bodyText.contains("Hưu"))
    }

    /// Compliance per unit: late records, overdue transfers, report due dates.
    @Test func complianceCountsPerUnit() async throws {
        let (node, ids) = try await offPool { try Self.makeNode() }
        _ = try node.store.requestHandoff(cli, HandoffRequest(person_id: ids["Mai Văn Yên"]!, to_unit_id: node.units["B"]!))
        try await node.store.db.write { c in try c.execute("UPDATE handoff_events SET at = '2026-05-01T02:00:00.000Z' WHERE kind = 'request'") }
        let result = try node.store.compliance(cli, unitID: node.units["P"], asOf: Self.asOf)
        func row(_ code: String) -> ComplianceRowDTO? { result.rows.first { $0.unit_id == node.units[code] } }
        #expect(result.rows.map(\.unit_id) == ["P", "A", "A1", "B"].map { node.units[$0]! })
        #expect(row("A1").map { [$0.dossiers, $0.late_new, $0.late_changes, $0.handoffs_overdue_out, $0.handoffs_overdue_in] } == [10, 1, 1, 1, 0])
        #expect(row("B").map { [$0.dossiers, $0.late_new, $0.late_changes, $0.handoffs_overdue_out, $0.handoffs_overdue_in] } == [1, 0, 0, 0, 1])
        #expect(row("A").map { $0.dossiers + $0.late_new + $0.late_changes } == 0)
        #expect(result.due.map { "\($0.due_date) \($0.days_left)" } == ["2026-12-15 168", "2027-01-15 199", "2027-06-15 350"])
        let hr = try await node.login("hr.a")
        let response = await node.send(.get, "/api/reports/compliance?as_of=30/06/2026&format=csv", token: hr.token)
        #expect(response.status.code == 200)
        #expect(String(decoding: response.body.dropFirst(3), as: UTF8.self).contains("Cập nhật chậm - Hồ sơ mới (quá 30 ngày)"))
        let json = await node.send(.get, "/api/compliance?as_of=2026-06-30", token: hr.token)
        #expect(json.status.code == 200 && json.bodyText.contains("\"late_new\":1"))
    }
}
