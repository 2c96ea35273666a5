import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

@Suite struct MovementTests {
    let cli = Principal.commandLine("test")

    @Test func retirementArchivesTheDossierEverywhereAndKeepsItReadable() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let person = try t.hub.store.createDossier(cli, TestTopology.person("Trần Văn Hưu", unit: t.units["A1"]!))["id"]!.stringValue!
        try await t.settle()
        let (dossier, package) = try a.store.recordMovement(cli, personID: person, MovementRequest(
            kind: "nghi_huu", decision_no: "45/QĐ-SNV", decision_date: "2026-10-01", effective_date: "2026-11-01", signer: "Giám đốc Sở"))
        #expect(package == Optional<JSONValue>.none, "no package for a retirement")
        #expect(dossier["employment_status"] == "nghi_huu")
        #expect(dossier["work_history"]?.arrayValue?.contains { $0["event_type"] == "nghi_huu" && $0["decision_no"] == "45/QĐ-SNV" } == true)
        try await t.settle()
        let atHub = try t.hub.store.dossier(cli, id: person)
        #expect(atHub["employment_status"] == "nghi_huu", "readable and archived at the hub too")
        // Archived: the unit no longer edits it (an admin still may correct it).
        let hr = Principal(userID: nil, username: "hr", role: .hr, unitID: t.units["A"], personID: nil, subtree: Set(["A", "A1", "A2"].map { t.units[$0]! }))
        do {
            _ = try a.store.updatePerson(hr, id: person, patch: ["phone": "0900"])
            Issue.record("an archived dossier must refuse the unit's edits")
        } catch let error as NodeError { #expect(error.code == "archived") }
        _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0901"])
        // The movement is listed with its deadline check (recorded 22+ days after it took effect).
        let listed = try #require(try a.store.movements(cli).first { $0.person_id == person })
        #expect(listed.kind_name == "Nghỉ hưu" && listed.overdue)
    }

    @Test func aMoveOutOfTheProvinceExportsAPackageAnotherInstallationImports() async throws {
        let here = try TestNode(), there = try TestNode()
        var body = TestNode.person(name: "Phan Thị Đi Xa", unit: here.units["A1"]!, sex: "2")
        body["training"] = [["institution": "Học viện Hành chính Quốc gia", "from_month": "2012-09", "to_month": "2016-06"]]
        body["family"] = [["side": "ban_than", "relation": "me", "full_name": "Phan Thị Mẹ", "birth_year": 1960]]
        let person = try here.store.createDossier(cli, body)["id"]!.stringValue!
        let (_, package) = try here.store.recordMovement(cli, personID: person, MovementRequest(
            kind: "chuyen_ngoai_tinh", decision_no: "7/QĐ-UBND", effective_date: "2026-11-15", destination: "Sở Nội vụ tỉnh Cần Thơ"))
        let exported = try #require(package)
        #expect(NodeStore.verifyPackage(exported) == nil)
        #expect(exported["manifest"]["tables"]["training"] == 1)
        #expect(exported["manifest"]["full_name"] == "Phan Thị Đi Xa")
        #expect(try here.store.dossier(cli, id: person)["employment_status"] == "chuyen_ngoai_tinh")

        // The package is readable JSON that survives a round trip through text.
        let text = exported.jsonString()
        let received = try JSONValue.parse(text)
        let imported = try there.store.importPackage(cli, received, unitID: there.units["B"]!)
        #expect(imported["full_name"] == "Phan Thị Đi Xa")
        #expect(imported["unit_id"]?.stringValue == there.units["B"])
        #expect(imported["employment_status"] == "dang_cong_tac")
        #expect(imported["training"]?.arrayValue?.first?["institution"] == "Học viện Hành chính Quốc gia")
        #expect(imported["family"]?.arrayValue?.count == 1)
        #expect(imported["work_history"]?.arrayValue?.contains { $0["event_type"] == "chuyen_ngoai_tinh" } == true)

        // A tampered or truncated package is refused and imports nothing.
        var tampered = received.objectValue!
        var dossier = tampered["dossier"]!.objectValue!
        var personFields = dossier["person"]!.objectValue!
        personFields["full_name"] = "Người Khác"
        dossier["person"] = .object(personFields)
        tampered["dossier"] = .object(dossier)
        let before = try there.store.listDossiers(cli, DossierFilter()).total
        #expect(throws: NodeError.self) { _ = try there.store.importPackage(cli, .object(tampered), unitID: there.units["B"]!) }
        #expect(throws: NodeError.self) { _ = try there.store.importPackage(cli, ["format": "something else"], unitID: there.units["B"]!) }
        #expect(try there.store.listDossiers(cli, DossierFilter()).total == before)
    }

    @Test func movementsAreValidatedAndNeedTheRightToWrite() throws {
        let node = try TestNode()
        #expect(throws: NodeError.self) { _ = try node.store.recordMovement(cli, personID: node.dossierA1, MovementRequest(kind: "bay_di", effective_date: "2026-01-01")) }
        #expect(throws: NodeError.self) { _ = try node.store.recordMovement(cli, personID: node.dossierA1, MovementRequest(kind: "tu_tran", effective_date: "01/01/2026")) }
        let head = Principal(userID: nil, username: "head", role: .head, unitID: node.units["A"], personID: nil, subtree: [node.units["A"]!, node.units["A1"]!])
        #expect(throws: NodeError.self) { _ = try node.store.recordMovement(head, personID: node.dossierA1, MovementRequest(kind: "tu_tran", effective_date: "2026-01-01")) }
        #expect(try node.store.dossier(cli, id: node.dossierA1)["employment_status"] == "dang_cong_tac")
    }
}
