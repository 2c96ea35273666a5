import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// Every role × scope against dossiers, units and accounts (domain.md's table).
@Suite struct PermissionTests {
    /// (account, may read A1's dossier, may read B's dossier, may edit A1's dossier)
    static let matrix: [(String, Bool, Bool, Bool)] = [
        ("admin", true, true, true),
        ("leader", true, true, false),
        ("hr.a", true, false, true),
        ("head.a", true, false, false),
        ("hr.b", false, true, false),
        ("staff.a1", true, false, false),
    ]

    @Test(arguments: matrix)
    func dossierAccessFollowsRoleAndScope(_ row: (String, Bool, Bool, Bool)) async throws {
        let node = try TestNode()
        let (user, readA1, readB, writeA1) = row
        let s = try await node.login(user)
        let a1 = await node.send(.get, "/api/dossiers/\(node.dossierA1)", token: s.token)
        #expect(a1.status.code == (readA1 ? 200 : 404), "\(user) GET A1")
        let b = await node.send(.get, "/api/dossiers/\(node.dossierB)", token: s.token)
        #expect(b.status.code == (readB ? 200 : 404), "\(user) GET B")
        let patch = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["other_names": "Tư"], token: s.token)
        let expected = writeA1 ? 200 : (readA1 ? 403 : 404)
        #expect(patch.status.code == expected, "\(user) PATCH A1: \(patch.bodyText)")
        let sub = await node.send(.post, "/api/dossiers/\(node.dossierA1)/evaluations", json: ["year": 2024, "result": .string(try Fixtures.code(.danhGia))], token: s.token)
        #expect(sub.status.code == (writeA1 ? 201 : expected), "\(user) POST A1 evaluation: \(sub.bodyText)")
    }

    @Test func listShowsOnlyDossiersInReach() async throws {
        let node = try TestNode()
        for (user, expected) in [("admin", 2), ("leader", 2), ("hr.a", 1), ("head.a", 1), ("hr.b", 1), ("staff.a1", 1)] {
            let s = try await node.login(user)
            let list = await node.send(.get, "/api/dossiers", token: s.token)
            #expect(list.status.code == 200)
            #expect(list.json["total"].numberValue == Double(expected), "\(user)")
        }
        let staff = try await node.login("staff.a1")
        let own = await node.send(.get, "/api/dossiers", token: staff.token)
        #expect(own.json["items"].arrayValue?.first?["id"].stringValue == node.dossierA1)
    }

    @Test func hrCannotCreateDossiersOutsideItsSubtree() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        let inside = await node.send(.post, "/api/dossiers", json: TestNode.person(name: "Lê Văn Cường", unit: node.units["A1"]!), token: s.token)
        #expect(inside.status.code == 201)
        let outside = await node.send(.post, "/api/dossiers", json: TestNode.person(name: "Lê Văn Cường", unit: node.units["B"]!), token: s.token)
        #expect(outside.status.code == 403)
        let leader = try await node.login("leader")
        let byLeader = await node.send(.post, "/api/dossiers", json: TestNode.person(name: "Lê Văn Dũng", unit: node.units["B"]!), token: leader.token)
        #expect(byLeader.status.code == 403)
    }

    @Test func onlyAdminDeletesDossiers() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        #expect(await node.send(.delete, "/api/dossiers/\(node.dossierA1)", token: hr.token).status.code == 403)
        let admin = try await node.login("admin")
        #expect(await node.send(.delete, "/api/dossiers/\(node.dossierA1)", token: admin.token).status.code == 204)
        #expect(await node.send(.get, "/api/dossiers/\(node.dossierA1)", token: admin.token).status.code == 404)
    }

    @Test func userManagementIsScopedAndCannotEscalate() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        let escalate = await node.send(.post, "/api/users", json: ["username": "boss", "full_name": "X", "password": "matkhau999", "role": "admin"], token: hr.token)
        #expect(escalate.status.code == 403)
        let leader = await node.send(.post, "/api/users", json: ["username": "boss2", "full_name": "X", "password": "matkhau999", "role": "leader"], token: hr.token)
        #expect(leader.status.code == 403)
        let otherUnit = await node.send(.post, "/api/users", json: ["username": "hrb2", "full_name": "X", "password": "matkhau999", "role": "hr",
                                                                    "unit_id": .string(node.units["B"]!)], token: hr.token)
        #expect(otherUnit.status.code == 403)
        let ok = await node.send(.post, "/api/users", json: ["username": "hr.a1", "full_name": "Phạm Thị Hoa", "password": "matkhau999", "role": "hr",
                                                             "unit_id": .string(node.units["A1"]!)], token: hr.token)
        #expect(ok.status.code == 201, "\(ok.bodyText)")
        #expect(ok.json["must_change_password"].boolValue == true)
        // HR of A sees A's accounts only.
        let list = await node.send(.get, "/api/users", token: hr.token)
        let names = Set(list.json.arrayValue?.compactMap { $0["username"].stringValue } ?? [])
        #expect(names == ["hr.a", "head.a", "staff.a1", "hr.a1"])
        // Reading or changing an account outside the subtree looks like it does not exist.
        let users = try node.store.users(.commandLine())
        let hrB = users.first { $0.username == "hr.b" }!
        #expect(await node.send(.get, "/api/users/\(hrB.id)", token: hr.token).status.code == 404)
        #expect(await node.send(.patch, "/api/users/\(hrB.id)", json: ["active": false], token: hr.token).status.code == 404)
        // Staff, heads and leaders manage nobody.
        for user in ["staff.a1", "head.a", "leader"] {
            let s = try await node.login(user)
            #expect(await node.send(.get, "/api/users", token: s.token).status.code == 403, "\(user)")
        }
    }

    @Test func onlyAdminsReadTheAuditLogAndManageCatalogues() async throws {
        let node = try TestNode()
        for user in ["leader", "hr.a", "head.a", "staff.a1"] {
            let s = try await node.login(user)
            #expect(await node.send(.get, "/api/audit", token: s.token).status.code == 403, "\(user) audit")
            #expect(await node.send(.put, "/api/catalogues/dan_toc/entries/99", json: ["name": "X"], token: s.token).status.code == 403, "\(user) catalogue")
            #expect(await node.send(.get, "/api/backup", token: s.token).status.code == 403, "\(user) backup")
        }
        let admin = try await node.login("admin")
        #expect(await node.send(.get, "/api/audit", token: admin.token).status.code == 200)
    }

    @Test func unauthenticatedRequestsAreRefused() async throws {
        let node = try TestNode()
        for path in ["/api/dossiers", "/api/dossiers/\(node.dossierA1)", "/api/units", "/api/users", "/api/audit", "/api/catalogues", "/api/node"] {
            #expect(await node.send(.get, path).status.code == 401, "\(path)")
        }
        #expect(await node.send(.get, "/api/dossiers", token: String(repeating: "a", count: 64)).status.code == 401)
        #expect(await node.send(.get, "/healthz").status.code == 200)
        #expect(await node.send(.get, "/openapi.json").status.code == 200)
    }
}
