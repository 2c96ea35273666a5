import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

@Suite struct AuditTests {
    @Test func changesAreAuditedWithOldAndNewValues() async throws {
        let node = try TestNode()
        let hr = try await node.login("hr.a")
        _ = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["phone": "0912000111"], token: hr.token)
        _ = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["phone": "0912000222"], token: hr.token)
        let admin = try await node.login("admin")
        let log = await node.send(.get, "/api/audit?person_id=\(node.dossierA1)&action=update", token: admin.token).json.arrayValue ?? []
        #expect(log.count == 2)
        let latest = log[0]
        #expect(latest["username"].stringValue == "hr.a")
        #expect(latest["entity"].stringValue == "person")
        #expect(latest["request_id"].stringValue?.isEmpty == false)
        let change = latest["changes"].arrayValue?.first
        #expect(change?["field"].stringValue == "phone")
        #expect(change?["old"].stringValue == "0912000111")
        #expect(change?["new"].stringValue == "0912000222")
    }

    @Test func everyDossierReadIsAudited() async throws {
        let node = try TestNode()
        let leader = try await node.login("leader")
        _ = await node.send(.get, "/api/dossiers/\(node.dossierB)", token: leader.token)
        _ = await node.send(.get, "/api/dossiers/\(node.dossierB)/family", token: leader.token)
        let admin = try await node.login("admin")
        let reads = await node.send(.get, "/api/audit?person_id=\(node.dossierB)&action=read", token: admin.token).json.arrayValue ?? []
        #expect(reads.count == 2)
        #expect(reads.allSatisfy { $0["username"].stringValue == "leader" })
    }

    @Test func loginsAndFailuresAreAudited() async throws {
        let node = try TestNode()
        _ = await node.send(.post, "/api/session", json: ["username": "hr.a", "password": "sai-mat-khau1"])
        let admin = try await node.login("admin")
        let failed = await node.send(.get, "/api/audit?action=login_failed", token: admin.token).json.arrayValue ?? []
        #expect(failed.first?["username"].stringValue == "hr.a")
        let ok = await node.send(.get, "/api/audit?action=login", token: admin.token).json.arrayValue ?? []
        #expect(ok.contains { $0["username"].stringValue == "admin" })
    }

    @Test func refusedWritesLeaveNoAuditOrChange() async throws {
        let node = try TestNode()
        let before = try node.store.auditLog(.commandLine(), AuditFilter(action: "update")).count
        let hrB = try await node.login("hr.b")
        _ = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["phone": "0900"], token: hrB.token)
        let hrA = try await node.login("hr.a")
        _ = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", json: ["birth_date": "hôm qua"], token: hrA.token)
        #expect(try node.store.auditLog(.commandLine(), AuditFilter(action: "update")).count == before)
    }
}
