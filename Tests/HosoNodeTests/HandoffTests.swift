import Foundation
import HosoDomain
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// The two-phase handoff (replication.md "Two-phase handoff"; Protocol.md §8) on
/// in-process topologies.
@Suite struct HandoffTests {
    let cli = Principal.commandLine("test")

    /// A hub, node A (serving A) and node B (serving B), with one dossier of A's that has
    /// a salary on record.
    func province() async throws -> (TestTopology, TopologyNode, TopologyNode, String) {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        var body = TestTopology.person("Nguyễn Thị Chuyển", unit: t.units["A1"]!, sex: "2")
        body["ngach"] = "01.003"
        body["salary_step"] = 3
        body["salary_coefficient"] = 3.0
        let id = try t.hub.store.createDossier(cli, body)["id"]!.stringValue!
        try await t.settle()
        return (t, a, b, id)
    }

    func state(_ node: TopologyNode, _ id: String) throws -> String {
        try node.store.handoff(cli, id: id).state
    }

    @Test func aTransferGoesRequestedPreparedCommittedDelivered() async throws {
        let (t, a, b, person) = try await province()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!, event_type: "dieu_dong",
                                                                       decision_no: "123/QĐ-UBND", decision_date: "2026-11-20",
                                                                       effective_date: "2026-12-01", signer: "Chủ tịch UBND tỉnh",
                                                                       position_title: "Chuyên viên"))
        #expect(request.state == "prepared", "the owning node freezes and prepares at once")
        #expect(request.frozen)
        // The dossier is frozen at A until the handoff ends.
        #expect(throws: NodeError.self) { _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0901"]) }
        try await t.settle()
        // The receiving unit sees it waiting for its answer; the hub cannot commit yet.
        #expect(try state(b, request.id) == "prepared")
        #expect(try b.store.handoffs(cli, direction: "in", active: true).map(\.id) == [request.id])
        #expect(try b.store.handoff(cli, id: request.id).person_name == "Nguyễn Thị Chuyển")
        #expect(try t.hub.store.handoff(cli, id: request.id).coordinator == t.hub.store.nodeID)
        // The hub's admin cannot edit a frozen dossier either.
        #expect(throws: NodeError.self) { _ = try t.hub.store.updatePerson(cli, id: person, patch: ["phone": "0902"]) }

        _ = try b.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await t.settle()
        for node in [t.hub, a, b] { #expect(try state(node, request.id) == "delivered", "\(node.name)") }

        // Ownership moved, with the move written into the history tables.
        let atHub = try t.hub.store.dossier(cli, id: person)
        #expect(atHub["unit_id"]?.stringValue == t.units["B"])
        #expect(atHub["position_title"] == "Chuyên viên")
        let work = atHub["work_history"]?.arrayValue ?? []
        #expect(work.contains { $0["event_type"] == "dieu_dong" && $0["decision_no"] == "123/QĐ-UBND" && $0["from_month"] == "2026-12" })
        let salary = atHub["salary"]?.arrayValue ?? []
        #expect(salary.contains { $0["effective_date"] == "2026-12-01" && $0["ngach"] == "01.003" && $0["step"] == 3 })
        // B holds the whole dossier and may edit it; the edit reaches the hub.
        #expect(try b.store.dossierDigests()[person] == (try t.hub.store.dossierDigests()[person]))
        _ = try b.store.updatePerson(cli, id: person, patch: ["phone": "0903"])
        try await t.settle()
        #expect(try t.hub.store.dossier(cli, id: person)["phone"] == "0903")
        // A keeps a read-only copy, out of its lists.
        #expect(try a.store.dossier(cli, id: person)["full_name"] == "Nguyễn Thị Chuyển")
        #expect(try a.store.listDossiers(cli, DossierFilter(query: "Chuyển")).total == 0)
        do {
            _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0904"])
            Issue.record("A must not edit a dossier it handed over")
        } catch let error as NodeError { #expect(error.code == "transferred_out") }
        // Every replica agrees on the events (and the history has every step).
        let steps = try t.hub.store.handoff(cli, id: request.id).steps.map(\.kind)
        #expect(steps == ["request", "prepare", "accept", "commit", "deliver"])
    }

    @Test func aLateEditFromTheOldOwnerIsRefused() async throws {
        let (t, a, b, person) = try await province()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        _ = try b.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await t.settle()
        #expect(try state(t.hub, request.id) == "delivered")
        // A forged late edit in A's name (its software bypassing the freeze): refused as not_owner.
        let envelope = try a.store.syncEnvelope()
        var late = try #require(try a.store.dossierRecords().first { $0.id == person })
        late.data["phone"] = "0999"
        late.vv = late.vv.joined(VersionVector([a.store.nodeID: envelope.clock + 1]))
        late.origin = a.store.nodeID
        late.seq = 1
        let push = PushRequest(envelope: envelope, fromSeq: 0, toSeq: 1, changes: [late], batchID: RecordID.make())
        let answer = await t.raw("/sync/v1/push", push.jsonValue, credential: a.credential)
        #expect(answer.json["results"][0]["status"] == "rejected")
        #expect(answer.json["results"][0]["reason"] == "not_owner")
        #expect(try t.hub.store.dossier(cli, id: person)["phone"] != "0999")
    }

    @Test func refusalAndCancellationAbortAndUnfreeze() async throws {
        let (t, a, b, person) = try await province()
        let first = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        #expect(throws: NodeError.self) { _ = try b.store.answerHandoff(cli, id: first.id, kind: .refuse, reason: nil) }
        _ = try b.store.answerHandoff(cli, id: first.id, kind: .refuse, reason: "Không còn chỉ tiêu biên chế")
        try await t.settle()
        for node in [t.hub, a, b] {
            let h = try node.store.handoff(cli, id: first.id)
            #expect(h.state == "aborted" && h.abort_reason == "refused" && !h.frozen, "\(node.name)")
        }
        _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0911"])   // unfrozen
        try await t.settle()

        let second = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        _ = try a.store.answerHandoff(cli, id: second.id, kind: .cancel, reason: "Nhầm đơn vị nhận")
        try await t.settle()
        #expect(try state(t.hub, second.id) == "aborted")
        #expect(try t.hub.store.handoff(cli, id: second.id).abort_reason == "cancelled")
        // Too late to answer a finished handoff.
        #expect(throws: NodeError.self) { _ = try b.store.answerHandoff(cli, id: second.id, kind: .accept, reason: nil) }
        #expect(try t.hub.store.dossier(cli, id: person)["unit_id"]?.stringValue == t.units["A1"])
    }

    @Test func aSuperiorRequestWaitsForAnOfflineOwnerThenTimesOut() async throws {
        let (t, a, b, person) = try await province()
        a.line!.connected = false
        let request = try t.hub.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        #expect(request.state == "requested", "waits, visibly, for A to prepare")
        try await b.syncOnce()
        _ = try b.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await b.syncOnce()
        #expect(try state(t.hub, request.id) == "requested", "accepted but not prepared: no commit")
        // Past the timeout the coordinator aborts; A, back online, learns it and is never frozen for good.
        try t.hub.store.advanceHandoffs(now: Date().addingTimeInterval(31 * 86_400))
        #expect(try state(t.hub, request.id) == "aborted")
        a.line!.connected = true
        try await t.settle()
        #expect(try state(a, request.id) == "aborted")
        _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0912"])
    }

    @Test func anOfflineOwnersEditsTravelWithTheDossier() async throws {
        let (t, a, b, person) = try await province()
        a.line!.connected = false
        let request = try t.hub.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0913"])   // A does not know yet
        try await b.syncOnce()
        _ = try b.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        a.line!.connected = true
        try await t.settle()
        #expect(try state(t.hub, request.id) == "delivered")
        #expect(try b.store.dossier(cli, id: person)["phone"] == "0913", "nothing A wrote before preparing is lost")
    }

    @Test func everyStepSurvivesARestartOfAnyNode() async throws {
        let (t, a, b, person) = try await province()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        for name in ["A", "hub", "B"] { try t.restart(name) }
        try await t.settle()
        for name in ["hub", "A", "B"] { try t.restart(name) }
        _ = try t["B"].store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        for name in ["B", "hub"] { try t.restart(name) }
        try await t["B"].syncOnce()
        try t.restart("hub")
        try t.hub.store.advanceHandoffs()
        try t.restart("hub")
        try await t.settle()
        for node in [t.hub, t["A"], t["B"]] { #expect(try state(node, request.id) == "delivered", "\(node.name)") }
        // Re-running every step changes nothing (each is idempotent by handoff id).
        let before = try t.hub.store.dossierDigests()
        for node in [t.hub, t["A"], t["B"]] { #expect(try node.store.advanceHandoffs() == 0) }
        #expect(try t.hub.store.dossierDigests() == before)
        _ = a; _ = b
    }

    @Test func aMidTierNodeCoordinatesATransferBetweenItsCommunesWhileCutOff() async throws {
        let t = try TestTopology()
        let district = try t.addNode("C", units: ["C"])
        try await t.settle()
        let c1 = try t.addNode("C1", units: ["C1"], parent: district)
        let c2 = try t.addNode("C2", units: ["C2"], parent: district)
        let person = try t.hub.store.createDossier(cli, TestTopology.person("Lò Văn Xã", unit: t.units["C1"]!))["id"]!.stringValue!
        try await t.settle()
        district.line!.connected = false   // the district is cut off from the province
        let request = try c1.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["C2"]!, event_type: "luan_chuyen"))
        #expect(try c1.store.handoff(cli, id: request.id).coordinator == district.store.nodeID)
        try await c1.syncOnce()
        try await c2.syncOnce()
        _ = try c2.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await c2.syncOnce()
        try await c1.syncOnce()
        try await c2.syncOnce()
        #expect(try state(district, request.id) == "delivered", "completed without the province")
        #expect(try c2.store.dossier(cli, id: person)["unit_id"]?.stringValue == t.units["C2"])
        // The province learns it when the line returns, and accepts the move.
        district.line!.connected = true
        try await t.settle()
        #expect(try t.hub.store.dossier(cli, id: person)["unit_id"]?.stringValue == t.units["C2"])
        #expect(try t.hub.store.dossierDigests()[person] == (try c2.store.dossierDigests()[person]))
        #expect(try district.store.syncStatus(settings: district.sync?.settings).quarantined == 0)
    }
}
