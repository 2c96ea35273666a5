import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// Search by optional criteria (issue 6 item 1) on a fixed data set.
@Suite struct SearchTests {
    let cli = Principal.commandLine("test")

    /// TestNode's two dossiers (Nguyễn Văn An in A1, Trần Thị Bình in B) plus these.
    func node() throws -> (TestNode, [String: String]) {
        let node = try TestNode()
        var ids: [String: String] = [:]
        let people: [(String, String, String, String, JSONObject)] = [
            ("Nguyễn Thị Đào", "A1", "2", "1980-02-29", ["ethnicity": "01", "party_join_date": "2005-03-01", "ngach": "01.003", "other_names": "Đào Nhỏ"]),
            ("NGUYỄN văn đức", "A", "1", "1966-11-23", ["ethnicity": "02", "ngach": "01.002", "recruitment_date": "1990-07-01"]),
            ("Lê Đức Thọ", "A1", "1", "1999-12-31", ["ethnicity": "01", "personal_id": "087099000123", "recruitment_date": "2022-01-15"]),
            ("Phạm Thị Hoa", "B", "2", "1975-06-15", ["ethnicity": "01", "party_join_date": "2000-01-01"]),
        ]
        for (name, unit, sex, birth, extra) in people {
            var body = TestNode.person(name: name, unit: node.units[unit]!, sex: sex, birth: birth)
            for (k, v) in extra { body[k] = v }
            ids[name] = try node.store.createDossier(cli, body)["id"]!.stringValue!
        }
        return (node, ids)
    }

    func names(_ node: TestNode, _ criteria: JSONObject, as actor: Principal? = nil) throws -> [String] {
        try node.store.search(actor ?? cli, try SearchCriteria(json: .object(criteria))).items.compactMap { $0["full_name"]?.stringValue }
    }

    @Test func namesMatchWithOrWithoutDiacriticsInAnyCase() throws {
        let (node, _) = try node()
        for query in ["nguyen", "NGUYỄN", "Nguyễn", "nguyên", "ngu"] {
            #expect(try names(node, ["name": .string(query)]) == ["Nguyễn Văn An", "Nguyễn Thị Đào", "NGUYỄN văn đức"], "\(query)")
        }
        // đ folds to d; several words must all match (as word prefixes, any order).
        #expect(try names(node, ["name": "duc"]) == ["NGUYỄN văn đức", "Lê Đức Thọ"])
        #expect(try names(node, ["name": "đức nguyễn"]) == ["NGUYỄN văn đức"])
        #expect(try names(node, ["name": "thi hoa"]) == ["Phạm Thị Hoa"])
        #expect(try names(node, ["name": "nho"]) == ["Nguyễn Thị Đào"], "other names are searched too")
        #expect(try names(node, ["name": "xyz"]).isEmpty)
        // Punctuation and FTS syntax in the query are only words.
        #expect(try names(node, ["name": "\"an\"* (-"]) == ["Nguyễn Văn An"])
    }

    @Test func criteriaCombine() throws {
        let (node, _) = try node()
        #expect(try names(node, ["sex": "2", "ethnicity": ["01"]]) == ["Nguyễn Thị Đào", "Phạm Thị Hoa"])
        #expect(try names(node, ["party_member": true]) == ["Nguyễn Thị Đào", "Phạm Thị Hoa"])
        #expect(try names(node, ["party_member": true, "unit_id": .string(node.units["A"]!)]) == ["Nguyễn Thị Đào"])
        #expect(try names(node, ["unit_id": .string(node.units["A"]!), "include_subunits": false]) == ["NGUYỄN văn đức"])
        #expect(try names(node, ["ngach": ["01.002", "01.003"]]) == ["Nguyễn Thị Đào", "NGUYỄN văn đức"])
        #expect(try names(node, ["personal_id": "087099"]) == ["Lê Đức Thọ"])
        #expect(try names(node, ["dates": ["recruitment_date": ["from": "2000-01-01"]]]) == ["Lê Đức Thọ"])
        #expect(try names(node, ["dates": ["birth_date": ["from": "1975-01-01", "to": "1980-12-31"]]]) == ["Nguyễn Thị Đào", "Phạm Thị Hoa"])
    }

    @Test func agesCountWholeYearsOnTheChosenDay() throws {
        let (node, _) = try node()
        // Born 1966-11-23: 60 on 2026-11-23, 59 the day before.
        #expect(try names(node, ["age_min": 60, "as_of": "2026-11-23"]) == ["NGUYỄN văn đức"])
        #expect(try names(node, ["age_min": 60, "as_of": "2026-11-22"]).isEmpty)
        // Born 1980-02-29 (a leap day): in a common year the birthday counts from 1 March,
        // as `CalendarDate.years(until:)` (used by the alerts) counts it.
        let leap = CalendarDate(iso: "1980-02-29")!
        #expect(leap.years(until: CalendarDate(iso: "2026-02-28")!) == 45 && leap.years(until: CalendarDate(iso: "2026-03-01")!) == 46)
        #expect(try names(node, ["age_min": 45, "age_max": 45, "as_of": "2026-02-28"]) == ["Nguyễn Thị Đào"])
        #expect(try names(node, ["age_min": 46, "age_max": 46, "as_of": "2026-03-01"]) == ["Nguyễn Thị Đào"])
        #expect(try names(node, ["age_min": 44, "age_max": 44, "as_of": "2024-02-29"]) == ["Nguyễn Thị Đào"])
        // Born 1999-12-31: 26 until 2026-12-30.
        #expect(try names(node, ["age_max": 26, "as_of": "2026-12-30"]) == ["Lê Đức Thọ"])
        #expect(try names(node, ["age_max": 26, "as_of": "2026-12-31"]).isEmpty)
    }

    @Test func resultsArePagedSortedAndInReach() async throws {
        let (node, _) = try node()
        let all = try SearchCriteria(json: ["per_page": 2])
        let first = try node.store.search(cli, all)
        #expect(first.total == 6 && first.items.count == 2)
        // Vietnamese order: given name, then family and middle names.
        #expect(try names(node, [:]) == ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Thị Đào", "NGUYỄN văn đức", "Phạm Thị Hoa", "Lê Đức Thọ"])
        #expect(try names(node, ["sort": "birth_date", "order": "desc"]).first == "Lê Đức Thọ")
        // An HR officer of A sees A's subtree only, whatever the criteria say.
        let response = try await node.send(as: "hr.a", .post, "/api/search", json: ["unit_id": .string(node.units["B"]!)])
        #expect(response.status.code == 200)
        #expect(try JSONValue.parse(response.bodyText)["total"] == 0)
        let mine = try await node.send(as: "hr.a", .post, "/api/search", json: ["name": "thi"])
        #expect(try JSONValue.parse(mine.bodyText)["items"].arrayValue?.compactMap { $0["full_name"].stringValue } == ["Nguyễn Thị Đào"])
        // A civil servant has no search.
        #expect(try await node.send(as: "staff.a1", .post, "/api/search", json: [:]).status.code == 403)
    }

    @Test func badCriteriaAreNamedAndNothingRuns() async throws {
        let (node, _) = try node()
        let response = try await node.send(as: "admin", .post, "/api/search", json: [
            "age_min": 70, "age_max": 20, "bogus": 1, "sex": 5, "dates": ["phone": ["from": "x"], "birth_date": ["from": "2020-02-30"]],
            "sort": "salary", "per_page": 1_000, "personal_id": "12a",
        ])
        #expect(response.status.code == 422)
        let fields = Set(try JSONValue.parse(response.bodyText)["error"]["fields"].arrayValue?.compactMap { $0["field"].stringValue } ?? [])
        #expect(fields == ["age_max", "bogus", "sex", "dates.phone", "dates.birth_date.from", "sort", "per_page", "personal_id"])
    }

    @Test func searchesAreSavedPerUser() async throws {
        let (node, _) = try node()
        let saved = try await node.send(as: "hr.a", .post, "/api/searches", json: ["name": "Đảng viên nữ", "criteria": ["sex": "2", "party_member": true]])
        #expect(saved.status.code == 201)
        let list = try JSONValue.parse(try await node.send(as: "hr.a", .get, "/api/searches").bodyText)
        #expect(list.arrayValue?.count == 1 && list[0]["name"] == "Đảng viên nữ")
        // Running it again gives the same dossiers.
        let criteria = list[0]["criteria"]
        #expect(try node.store.search(cli, try SearchCriteria(json: criteria)).items.compactMap { $0["full_name"]?.stringValue } == ["Nguyễn Thị Đào", "Phạm Thị Hoa"])
        // Saving under the same name replaces; another user sees none of them and cannot delete them.
        _ = try await node.send(as: "hr.a", .post, "/api/searches", json: ["name": "Đảng viên nữ", "criteria": ["sex": "2"]])
        #expect(try JSONValue.parse(try await node.send(as: "hr.a", .get, "/api/searches").bodyText).arrayValue?.count == 1)
        #expect(try JSONValue.parse(try await node.send(as: "hr.b", .get, "/api/searches").bodyText).arrayValue?.count == 0)
        let id = try #require(try JSONValue.parse(try await node.send(as: "hr.a", .get, "/api/searches").bodyText)[0]["id"].stringValue)
        #expect(try await node.send(as: "hr.b", .delete, "/api/searches/\(id)").status.code == 404)
        #expect(try await node.send(as: "hr.a", .delete, "/api/searches/\(id)").status.code == 204)
        // Invalid criteria are not saved.
        #expect(try await node.send(as: "hr.a", .post, "/api/searches", json: ["name": "x", "criteria": ["age_min": -1]]).status.code == 422)
    }

    @Test func resultsExportAsCSVThatExcelOpens() async throws {
        let (node, _) = try node()
        let response = try await node.send(as: "admin", .post, "/api/search/export", json: ["sex": "2", "unit_id": .string(node.units["A"]!)])
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"] == "text/csv; charset=utf-8")
        #expect(Array(response.body.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 byte order mark")
        let lines = String(decoding: response.body.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("STT,Họ và tên khai sinh,Ngày sinh,Giới tính"))
        #expect(lines[1].hasPrefix("1,Nguyễn Thị Đào,29/02/1980,Nữ"), "\(lines[1])")
        #expect(lines.count == 3 && lines[2].isEmpty)
        // Civil servants have no reports.
        #expect(try await node.send(as: "staff.a1", .post, "/api/search/export", json: [:]).status.code == 403)
    }

    @Test func csvFieldsAreQuotedAndNeverFormulas() {
        let bytes = CSVWriter.document(header: ["a", "b"], rows: [["Lê \"Hoa\", phó", "=HYPERLINK(\"x\")"], ["dòng\nhai", "-12"]])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text == "a,b\r\n\"Lê \"\"Hoa\"\", phó\",\"'=HYPERLINK(\"\"x\"\")\"\r\n\"dòng\nhai\",-12\r\n")
    }
}
