import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

@Suite struct DossierAPITests {
    func fullDossier(_ node: TestNode) throws -> JSONObject {
        var body = TestNode.person(name: "Phạm Minh Đức", unit: node.units["A1"]!, sex: "1", birth: "1990-02-28")
        body["personal_id"] = "087090001234"
        body["ethnicity"] = .string(try Fixtures.code(.danToc))
        body["ngach"] = .string(try Fixtures.code(.ngach))
        body["salary_step"] = 3
        body["salary_coefficient"] = .number(3.0)
        body["training"] = .array([.object(["institution": "Trường Đại học Cần Thơ", "from_month": "2008-09", "to_month": "2012-06", "major": "Luật"])])
        body["work_history"] = .array([.object(["from_month": "2013-01", "description": "Chuyên viên Phòng A1"])])
        body["evaluations"] = .array([.object(["year": 2023, "result": .string(try Fixtures.code(.danhGia))])])
        return body
    }

    @Test func createsAWholeDossierAndReadsItBack() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let created = await node.send(.post, "/api/dossiers", json: try fullDossier(node), token: s.token)
        #expect(created.status.code == 201, "\(created.bodyText)")
        let id = try #require(created.json["id"].stringValue)
        #expect(RecordID.isValid(id))
        let read = await node.send(.get, "/api/dossiers/\(id)", token: s.token)
        #expect(read.json["full_name"].stringValue == "Phạm Minh Đức")
        #expect(read.json["personal_id"].stringValue == "087090001234")
        #expect(read.json["unit_name"].stringValue == "Phòng A1")
        #expect(read.json["training"].arrayValue?.count == 1)
        #expect(read.json["work_history"].arrayValue?.first?["description"].stringValue == "Chuyên viên Phòng A1")
        #expect(read.json["evaluations"].arrayValue?.count == 1)
        #expect(read.json["version"].objectValue?.count == 1, "version vector has this node's counter")
        #expect(read.json["employment_status"].stringValue != nil)
    }

    @Test func invalidDossierIsRefusedWholeWithEveryFieldError() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        var body = try fullDossier(node)
        body["birth_date"] = "1990-02-30"            // no such day
        body["sex"] = "X"                            // not in the catalogue
        body["height_cm"] = "tall"                   // wrong type
        body["nickname"] = "Tí"                      // unknown field
        body["training"] = .array([.object(["institution": "ĐH", "from_month": "2012-09", "to_month": "2010-06"])])   // to < from
        let before = try node.store.listDossiers(.commandLine(), DossierFilter()).total
        let response = await node.send(.post, "/api/dossiers", json: body, token: s.token)
        #expect(response.status.code == 422)
        #expect(response.json["error"]["code"].stringValue == "validation_failed")
        let fields = Set(response.json["error"]["fields"].arrayValue?.compactMap { $0["field"].stringValue } ?? [])
        #expect(fields.isSuperset(of: ["birth_date", "sex", "height_cm", "nickname", "training[0].to_month"]), "\(fields)")
        #expect(try node.store.listDossiers(.commandLine(), DossierFilter()).total == before, "nothing was written")
    }

    @Test func requiredFieldsAndPersonalIDRules() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let missing = await node.send(.post, "/api/dossiers", json: ["unit_id": .string(node.units["A1"]!)], token: s.token)
        let codes = Dictionary(uniqueKeysWithValues: (missing.json["error"]["fields"].arrayValue ?? []).map { ($0["field"].stringValue ?? "", $0["code"].stringValue ?? "") })
        #expect(codes["full_name"] == "required")
        #expect(codes["birth_date"] == "required")
        #expect(codes["sex"] == "required")

        var body = TestNode.person(name: "Võ Thị Lan", unit: node.units["A1"]!, sex: "2", birth: "1992-05-01")
        body["personal_id"] = "08719200123"              // 11 digits
        #expect(await node.send(.post, "/api/dossiers", json: body, token: s.token).json["error"]["fields"][0]["code"].stringValue == "invalid_format")
        body["personal_id"] = "087092001234"             // century digit 0 = male, but sex is female
        let wrongSex = await node.send(.post, "/api/dossiers", json: body, token: s.token)
        #expect(wrongSex.json["error"]["fields"][0]["code"].stringValue == "inconsistent")
        body["personal_id"] = "087193001234"             // encodes 1993, born 1992
        #expect(await node.send(.post, "/api/dossiers", json: body, token: s.token).json["error"]["fields"][0]["code"].stringValue == "inconsistent")
        body["personal_id"] = "087192001234"
        #expect(await node.send(.post, "/api/dossiers", json: body, token: s.token).status.code == 201)
        // The same personal id cannot get a second dossier.
        body["full_name"] = "Võ Thị Lan B"
        let duplicate = await node.send(.post, "/api/dossiers", json: body, token: s.token)
        #expect(duplicate.status.code == 422)
        #expect(duplicate.json["error"]["fields"][0]["code"].stringValue == "duplicate")
    }

    @Test func patchChangesOnlySentFieldsAndRefusesOwnershipChange() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let before = await node.send(.get, "/api/dossiers/\(node.dossierA1)", token: s.token).json
        let patched = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["phone": "0912345678", "other_names": "Tư"], token: s.token)
        #expect(patched.status.code == 200, "\(patched.bodyText)")
        #expect(patched.json["phone"].stringValue == "0912345678")
        #expect(patched.json["birth_date"] == before["birth_date"])
        let clock1 = patched.json["version"].objectValue?.values.first?.numberValue ?? 0
        let clock0 = before["version"].objectValue?.values.first?.numberValue ?? 0
        #expect(clock1 > clock0, "a write bumps the version vector")
        let cleared = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["phone": .null], token: s.token)
        #expect(cleared.json["phone"] == .null)
        let requiredCleared = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["full_name": ""], token: s.token)
        #expect(requiredCleared.status.code == 422)
        let move = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["unit_id": .string(node.units["B"]!)], token: s.token)
        #expect(move.status.code == 409)
        #expect(move.json["error"]["code"].stringValue == "use_transfer")
    }

    @Test func historyRowsCRUD() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let base = "/api/dossiers/\(node.dossierA1)/salary"
        let ngach = try Fixtures.code(.ngach)
        let created = await node.send(.post, base, json: ["effective_date": "2020-07-01", "ngach": .string(ngach), "step": 2, "coefficient": .number(2.67)], token: s.token)
        #expect(created.status.code == 201, "\(created.bodyText)")
        let rowID = try #require(created.json["id"].stringValue)
        #expect(created.json["person_id"].stringValue == node.dossierA1)
        let updated = await node.send(.patch, "\(base)/\(rowID)", json: ["step": 3, "coefficient": .number(3.0)], token: s.token)
        #expect(updated.json["step"].numberValue == 3)
        #expect(updated.json["effective_date"].stringValue == "2020-07-01")
        let bad = await node.send(.patch, "\(base)/\(rowID)", json: ["step": 0], token: s.token)
        #expect(bad.status.code == 422)
        #expect(await node.send(.get, base, token: s.token).json.arrayValue?.count == 1)
        #expect(await node.send(.delete, "\(base)/\(rowID)", token: s.token).status.code == 204)
        #expect(await node.send(.get, base, token: s.token).json.arrayValue?.count == 0)
        #expect(await node.send(.get, "\(base)/\(rowID)", token: s.token).status.code == 404)
        // A row id of another dossier is not reachable through this dossier.
        let other = await node.send(.post, "/api/dossiers/\(node.dossierB)/family", json: ["side": "ban_than", "relation": .string(try Fixtures.code(.quanHeGiaDinh)), "full_name": "Trần Văn Ba"],
                                    token: try await node.login("hr.b").token)
        let otherID = try #require(other.json["id"].stringValue)
        #expect(await node.send(.get, "/api/dossiers/\(node.dossierA1)/family/\(otherID)", token: s.token).status.code == 404)
    }

    @Test func searchIgnoresDiacriticsAndCaseAndSortsByGivenName() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        for name in ["Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Anh", "Đỗ Văn An"] {
            #expect(await node.send(.post, "/api/dossiers", json: TestNode.person(name: name, unit: node.units["A1"]!), token: s.token).status.code == 201)
        }
        func names(_ query: String) async -> [String] {
            let target = "/api/dossiers?q=" + (query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")
            return await node.send(.get, target, token: s.token).json["items"].arrayValue?.compactMap { $0["full_name"].stringValue } ?? []
        }
        #expect(await names("nguyen") == ["Nguyễn Văn An", "Nguyễn Thị Ánh"].sorted { VietnameseText.compareNames($0, $1) })
        #expect(await names("NGUYỄN thị") == ["Nguyễn Thị Ánh"])
        #expect(await names("binh") == ["Trần Văn Bình", "Trần Thị Bình"].sorted { VietnameseText.compareNames($0, $1) })
        #expect(await names("%") == [], "LIKE wildcards are escaped")
        let all = await node.send(.get, "/api/dossiers?per_page=100", token: s.token).json["items"].arrayValue?.compactMap { $0["full_name"].stringValue } ?? []
        #expect(all == all.sorted { VietnameseText.compareNames($0, $1) })
        #expect(all.first?.hasSuffix("An") == true, "given name An sorts first: \(all)")
        let page = await node.send(.get, "/api/dossiers?per_page=2&page=2", token: s.token).json
        #expect(page["items"].arrayValue?.count == 2)
        #expect(page["total"].numberValue == 6)
        #expect(await node.send(.get, "/api/dossiers?page=abc", token: s.token).status.code == 400)
    }
}
