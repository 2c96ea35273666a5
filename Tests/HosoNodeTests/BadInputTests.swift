import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// Client mistakes get a clear 4xx and change nothing; never a 500.
@Suite struct BadInputTests {
    @Test func malformedBodies() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let path = "/api/dossiers/\(node.dossierA1)"
        func send(_ body: [UInt8], type: String = "application/json") async -> HTTPResponse {
            await node.send(.patch, path, token: s.token, headers: [("Content-Type", type)], body: body)
        }
        let cases: [([UInt8], String, Int, String)] = [
            (Array("{\"phone\":".utf8), "application/json", 400, "invalid_json"),
            ([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], "application/json", 400, "invalid_utf8"),
            (Array("[1,2]".utf8), "application/json", 400, "invalid_json"),
            (Array("phone=1".utf8), "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
            (Array("{\"phone\": 12}".utf8), "application/json", 422, "validation_failed"),
            (Array("{\"salary_step\": \"ba\"}".utf8), "application/json", 422, "validation_failed"),
            (Array("{\"salary_step\": 2.5}".utf8), "application/json", 422, "validation_failed"),
            (Array("{\"unknown\": 1}".utf8), "application/json", 422, "validation_failed"),
            (Array("{\"phone\": \"a\\u0000b\"}".utf8), "application/json", 422, "validation_failed"),
        ]
        for (body, type, status, code) in cases {
            let r = await send(body, type: type)
            #expect(r.status.code == status, "\(String(decoding: body, as: UTF8.self)): \(r.bodyText)")
            #expect(r.json["error"]["code"].stringValue == code)
        }
        let after = await node.send(.get, path, token: s.token)
        #expect(after.json["phone"] == .null, "nothing changed")
    }

    /// Numbers beyond what an integer holds (found by schemathesis: they crashed the
    /// process when converted) are refused as out of range, everywhere they are read.
    @Test func hugeNumbersAreRefusedNotFatal() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        let csrf = [("X-CSRF-Token", s.csrf)]
        var r = await node.send(.get, "/api/alerts?horizon_days=65133787974021177344&year=-1036297500323&as_of=1%2F0", token: s.token)
        #expect(r.status.code == 422 && r.bodyText.contains("horizon_days"))
        r = await node.send(.get, "/api/reports/staffing?year=1e300", token: s.token)
        #expect(r.status.code == 422)
        r = await node.send(.post, "/api/search", json: ["age_min": 1e300, "page": -1e19], token: s.token, headers: csrf)
        #expect(r.status.code == 422 && r.bodyText.contains("age_min") && r.bodyText.contains("page"))
        r = await node.send(.post, "/api/report-jobs", json: ["report": "bm01", "horizon_days": 9.3e18], token: s.token, headers: csrf)
        #expect(r.status.code == 422)
        r = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["salary_step": 1e300, "height_cm": -9.3e18], token: s.token, headers: csrf)
        #expect(r.status.code == 422)
        // A page number whose offset overflows (found by schemathesis): an empty page.
        r = await node.send(.get, "/api/dossiers?page=4226597191991235072&per_page=2438", token: s.token)
        #expect(r.status.code == 200 && r.json["items"].arrayValue?.isEmpty == true)
        #expect(r.json["page"] == 10_000_000, "an integer the schema allows, not 4.2e18 as a float")
        #expect(await node.send(.get, "/healthz").status.code == 200)
    }

    @Test func typedInputsRejectUnknownFieldsAndWrongTypes() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        let unknown = await node.send(.post, "/api/units", json: ["code": "X", "name": "X", "colour": "red"], token: s.token)
        #expect(unknown.status.code == 422)
        #expect(unknown.json["error"]["fields"][0]["field"].stringValue == "colour")
        let wrongType = await node.send(.post, "/api/users", json: ["username": "abc", "full_name": "A", "password": "matkhau123", "role": 5], token: s.token)
        #expect(wrongType.status.code == 422)
        #expect(wrongType.json["error"]["fields"][0]["field"].stringValue == "role")
        let badRole = await node.send(.post, "/api/users", json: ["username": "abc", "full_name": "A", "password": "matkhau123", "role": "god"], token: s.token)
        #expect(badRole.status.code == 422)
        let login = await node.send(.post, "/api/session", json: ["username": "admin"])
        #expect(login.status.code == 422)
    }

    @Test func unknownIdsAndRoutes() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        #expect(await node.send(.get, "/api/dossiers/00000000-0000-7000-8000-000000000000", token: s.token).status.code == 404)
        #expect(await node.send(.get, "/api/dossiers/x/unknown-table", token: s.token).status.code == 404)
        #expect(await node.send(.get, "/api/catalogues/khong_co", token: s.token).status.code == 404)
        #expect(await node.send(.put, "/api/dossiers", token: s.token).status.code == 405)
        #expect(await node.send(.get, "/api/dossiers/'%20OR%201=1--", token: s.token).status.code == 404)
    }

    @Test func unitTreeRules() async throws {
        let node = try TestNode()
        let admin = try await node.login("admin")
        let duplicate = await node.send(.post, "/api/units", json: ["code": "A", "name": "Trùng"], token: admin.token)
        #expect(duplicate.json["error"]["fields"][0]["code"].stringValue == "duplicate")
        let cycle = await node.send(.patch, "/api/units/\(node.units["A"]!)", json: ["parent_id": .string(node.units["A1"]!)], token: admin.token)
        #expect(cycle.status.code == 422)
        let hr = try await node.login("hr.a")
        let sub = await node.send(.post, "/api/units", json: ["code": "A2", "name": "Phòng A2", "parent_id": .string(node.units["A"]!)], token: hr.token)
        #expect(sub.status.code == 201, "HR creates sub-units of its own unit")
        let elsewhere = await node.send(.post, "/api/units", json: ["code": "B2", "name": "X", "parent_id": .string(node.units["B"]!)], token: hr.token)
        #expect(elsewhere.status.code == 403)
        // A unit named by a field that does not exist is that field's error (schemathesis
        // found a successor_id that did not exist answered with 500).
        let unitsBefore = await node.send(.get, "/api/units", token: admin.token).json.arrayValue?.count
        for (method, path, body, field) in [
            (HTTPMethod.post, "/api/units", ["code": "Z1", "name": "Z", "parent_id": .string(node.units["A"]!), "successor_id": "không-có"] as JSONObject, "successor_id"),
            (.post, "/api/units", ["code": "Z2", "name": "Z", "parent_id": "không-có"], "parent_id"),
            (.patch, "/api/units/\(node.units["A1"]!)", ["successor_id": "không-có"], "successor_id"),
            (.patch, "/api/units/\(node.units["A1"]!)", ["parent_id": "không-có"], "parent_id"),
            (.post, "/api/dossiers", TestTopology.person("Không Đơn Vị", unit: "r\u{07}"), "unit_id"),
            (.post, "/api/handoffs", ["person_id": .string(node.dossierA1), "to_unit_id": "không-có"], "to_unit_id"),
        ] {
            let r = await node.send(method, path, json: body, token: admin.token)
            #expect(r.status.code == 422 && r.json["error"]["fields"][0]["field"].stringValue == field, "\(path) \(field): \(r.bodyText)")
        }
        #expect(await node.send(.get, "/api/units", token: admin.token).json.arrayValue?.count == unitsBefore, "nothing created")
    }
}
