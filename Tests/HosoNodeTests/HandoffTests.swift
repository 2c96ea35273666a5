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
        // The dossier says why it is read-only, for the UI.
        let frozen = JSONValue.object(try a.store.dossier(cli, id: person))
        #expect(frozen["handoff"]["id"].stringValue == request.id && frozen["handoff"]["to_unit"].stringValue == t.units["B"])
        #expect(frozen["transferred_out"] == .null && frozen["archived_at"] == .null)
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
        let copy = JSONValue.object(try a.store.dossier(cli, id: person))
        #expect(copy["full_name"] == "Nguyễn Thị Chuyển")
        #expect(copy["transferred_out"]["handoff_id"].stringValue == request.id && copy["handoff"] == .null)
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

    @Test func twoConcurrentTransfersOfOneDossierMoveItOnce() async throws {
        let (t, a, b, person) = try await province()
        let c = try t.addNode("C", units: ["C"])
        try await t.settle()
        // The hub sends the dossier to B while A, offline, sends it to C.
        a.line!.connected = false
        let toB = try t.hub.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!, decision_no: "1/QĐ"))
        let toC = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["C"]!, decision_no: "2/QĐ"))
        #expect(toB.state == "requested" && toC.state == "prepared")
        // A second request where the first is known is refused at once.
        do {
            _ = try t.hub.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["C"]!))
            Issue.record("a second transfer of a frozen dossier must be refused")
        } catch let error as NodeError { #expect(error.code == "handoff_in_progress") }
        try await b.syncOnce()
        _ = try b.store.answerHandoff(cli, id: toB.id, kind: .accept, reason: nil)
        a.line!.connected = true
        try await t.settle()
        // A prepares one transfer at a time: the one it prepared first proceeds.
        #expect(try state(t.hub, toB.id) == "requested", "A has not prepared the hub's request")
        _ = try c.store.answerHandoff(cli, id: toC.id, kind: .accept, reason: nil)
        try await t.settle()
        // Each node knows the handoffs of the units it serves (the hub: all).
        for node in [t.hub, a, c] { #expect(try state(node, toC.id) == "delivered", "\(node.name)") }
        for node in [t.hub, a, b] {
            let other = try node.store.handoff(cli, id: toB.id)
            #expect(other.state == "aborted" && other.abort_reason == "superseded", "\(node.name): \(other.state) \(other.abort_reason ?? "-")")
        }
        #expect(throws: NodeError.self) { _ = try b.store.handoff(cli, id: toC.id) }
        #expect(try t.hub.store.dossier(cli, id: person)["unit_id"]?.stringValue == t.units["C"])
        // B never held the dossier: it cannot read or write it; C can.
        #expect(throws: NodeError.self) { _ = try b.store.dossier(cli, id: person) }
        _ = try c.store.updatePerson(cli, id: person, patch: ["phone": "0920"])
        try await t.settle()
        #expect(try t.hub.store.dossier(cli, id: person)["phone"] == "0920")
        #expect(try t.hub.store.dossierDigests()[person] == (try c.store.dossierDigests()[person]))
    }

    @Test func forgedHandoffStepsFromAThirdNodeAreRefused() async throws {
        let (t, a, b, person) = try await province()
        let c = try t.addNode("C", units: ["C"])
        try await t.settle()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        #expect(try state(t.hub, request.id) == "prepared")
        // C is neither the sending unit, the receiving unit nor the coordinator: every step it
        // writes for this handoff (or a new one about A's dossier) is refused.
        let envelope = try c.store.syncEnvelope()
        func event(_ kind: HandoffEvent.Kind, handoff: String, counter: Int64, data: String = "{}") -> ChangeRecord {
            ChangeRecord(seq: counter, entity: "handoff_events", id: HandoffEvent.id(handoff: handoff, kind: kind), origin: c.store.nodeID,
                         vv: VersionVector([c.store.nodeID: envelope.clock + counter]), author: nil, createdAt: "2026-11-23T00:00:00.000Z",
                         updatedAt: "2026-11-23T00:00:00.000Z", deleted: false, scope: nil,
                         data: ["handoff_id": .string(handoff), "kind": .string(kind.rawValue), "person_id": .string(person),
                                "from_unit": .string(t.units["A1"]!), "to_unit": .string(t.units["B"]!), "at": "2026-11-23T00:00:00.000Z",
                                "node": .string(c.store.nodeID), "user_id": nil, "username": nil, "data": .string(data)])
        }
        let cases: [ChangeRecord] = [
            event(.accept, handoff: request.id, counter: 1),
            event(.commit, handoff: request.id, counter: 2, data: #"{"vv":{}}"#),
            event(.abort, handoff: request.id, counter: 3, data: #"{"reason":"cancelled"}"#),
            event(.cancel, handoff: request.id, counter: 4, data: #"{"reason":"x"}"#),
            event(.request, handoff: RecordID.make(), counter: 5),
            event(.prepare, handoff: RecordID.make(), counter: 6, data: #"{"vv":{}}"#),
        ]
        for (index, forged) in cases.enumerated() {
            let push = PushRequest(envelope: envelope, fromSeq: Int64(index), toSeq: Int64(index + 1), changes: [forged], batchID: RecordID.make())
            let answer = await t.raw("/sync/v1/push", push.jsonValue, credential: c.credential)
            #expect(answer.status == 200)
            #expect(answer.json["results"][0]["status"] == "rejected", "case \(index): \(answer.json)")
            #expect(answer.json["results"][0]["reason"] == "not_owner", "case \(index): \(answer.json)")
        }
        // (C's real process would now be refused as regressed: its credential said more than its clock.)
        c.line!.connected = false
        // The receiving node may not rewrite a step once written (events are immutable).
        _ = try b.store.answerHandoff(cli, id: request.id, kind: .refuse, reason: "Không còn biên chế")
        try await b.syncOnce()
        let bEnvelope = try b.store.syncEnvelope()
        var rewritten = try #require(try b.store.replicatedRecords("handoff_events").first { $0.data["kind"] == "refuse" })
        rewritten.data["data"] = .string(#"{"reason":"Đồng ý"}"#)
        rewritten.vv = rewritten.vv.joined(VersionVector([b.store.nodeID: bEnvelope.clock + 1]))
        rewritten.seq = 1
        let push = PushRequest(envelope: bEnvelope, fromSeq: 0, toSeq: 1, changes: [rewritten], batchID: RecordID.make())
        let answer = await t.raw("/sync/v1/push", push.jsonValue, credential: b.credential)
        #expect(answer.json["results"][0]["status"] == "rejected", "\(answer.json)")
        #expect(answer.json["results"][0]["reason"] == "invalid", "\(answer.json)")
        try await t.settle()
        // Nothing forged took effect: the handoff ended as B refused it, the dossier stays A's.
        for node in [t.hub, a, b] {
            let h = try node.store.handoff(cli, id: request.id)
            #expect(h.state == "aborted" && h.abort_reason == "refused", "\(node.name)")
        }
        #expect(try t.hub.store.dossier(cli, id: person)["unit_id"]?.stringValue == t.units["A1"])
        #expect(try t.hub.store.handoffs(cli, direction: nil, active: false).count == 1)
        _ = try a.store.updatePerson(cli, id: person, patch: ["phone": "0921"])

        // Forged steps leave tombstones under the genuine steps' ids; they must not block them.
        let second = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        let more = [event(.accept, handoff: second.id, counter: 7), event(.commit, handoff: second.id, counter: 8, data: #"{"vv":{}}"#),
                    event(.deliver, handoff: second.id, counter: 9, data: #"{"vv":{}}"#)]
        for (index, forged) in more.enumerated() {
            let push = PushRequest(envelope: envelope, fromSeq: Int64(6 + index), toSeq: Int64(7 + index), changes: [forged], batchID: RecordID.make())
            let answer = await t.raw("/sync/v1/push", push.jsonValue, credential: c.credential)
            #expect(answer.json["results"][0]["reason"] == "not_owner", "\(answer.json)")
        }
        try await t.settle()
        _ = try b.store.answerHandoff(cli, id: second.id, kind: .accept, reason: nil)
        try await t.settle()
        for node in [t.hub, a, b] { #expect(try state(node, second.id) == "delivered", "\(node.name)") }
        #expect(try t.hub.store.handoff(cli, id: second.id).steps.map(\.kind) == ["request", "prepare", "accept", "commit", "deliver"])
        #expect(try t.hub.store.dossierDigests()[person] == (try b.store.dossierDigests()[person]))
    }

    @Test func handoffsShowTheirAgeAgainstTheConfiguredDeadline() async throws {
        let (t, a, b, person) = try await province()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        let today = CalendarDate.today()
        func listed(_ days: Int) throws -> HandoffDTO {
            try #require(try b.store.handoffs(cli, direction: "in", active: true, today: today.adding(days: days)).first { $0.id == request.id })
        }
        #expect(try listed(0).age_days == 0 && !(try listed(0).overdue) && (try listed(0).deadline) == "15 ngày")
        #expect(try listed(15).age_days == 15 && !(try listed(15).overdue))
        #expect(try listed(16).overdue, "past 15 calendar days")
        // Within one body the regulation gives 5 working days: weekends do not count.
        var settings = HandoffSettings()
        settings.deadline_days = 5
        settings.deadline_working_days = true
        b.store.handoffConfiguration.set(settings)
        let working = try listed(7)
        #expect(working.deadline == "5 ngày làm việc" && working.age_days == 5 && !working.overdue)
        #expect(try listed(8).overdue == today.adding(days: 8).isWorkingDay, "overdue on the first working day past 5")
        #expect(try listed(14).overdue)
        // A finished handoff stops ageing at its end and is not overdue if it ended in time.
        _ = try b.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await t.settle()
        let done = try #require(try b.store.handoffs(cli, direction: "in", active: false, today: today.adding(days: 60)).first { $0.id == request.id })
        #expect(done.state == "delivered" && done.age_days == 0 && !done.overdue)
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

    /// A dossier leaves a district's branch and later comes back to one of its communes:
    /// the district node (which serves the commune but is not the receiver, so never
    /// delivers) shows it live again, with the digest the hub has. Found by
    /// ConvergenceTests: the district kept it marked transferred out, hidden.
    @Test func aDossierThatComesBackToAMidTiersBranchIsLiveThereAgain() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let district = try t.addNode("C", units: ["C"])
        try await t.settle()
        let c1 = try t.addNode("C1", units: ["C1"], parent: district)
        let person = try t.hub.store.createDossier(cli, TestTopology.person("Lò Thị Về", unit: t.units["C2"]!, sex: "2"))["id"]!.stringValue!
        try await t.settle()

        let away = try district.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["A"]!))
        try await t.settle()
        _ = try a.store.answerHandoff(cli, id: away.id, kind: .accept, reason: nil)
        try await t.settle()
        #expect(try state(district, away.id) == "delivered")
        #expect(JSONValue.object(try district.store.dossier(cli, id: person))["transferred_out"] != .null, "left the district's branch")
        #expect(try district.store.dossierDigests()[person] == nil)

        let back = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["C1"]!))
        try await t.settle()
        _ = try c1.store.answerHandoff(cli, id: back.id, kind: .accept, reason: nil)
        try await t.settle()
        for node in [t.hub, a, district, c1] { #expect(try state(node, back.id) == "delivered", "\(node.name)") }
        let there = JSONValue.object(try district.store.dossier(cli, id: person))
        #expect(there["transferred_out"] == .null && there["unit_id"].stringValue == t.units["C1"], "live at the district again")
        #expect(try district.store.listDossiers(cli, DossierFilter(perPage: 50)).items.contains { $0["id"]?.stringValue == person })
        let scope = Set(["C", "C1", "C2"].map { t.units[$0]! })
        #expect(try district.store.dossierDigests(units: scope) == (try t.hub.store.dossierDigests(units: scope)))
        #expect(try district.store.dossierDigests()[person] == (try c1.store.dossierDigests()[person]))
        // And A, which it left, keeps a read-only copy.
        #expect(JSONValue.object(try a.store.dossier(cli, id: person))["transferred_out"] != .null)
    }

    /// The dossier is deleted after the commit, before the receiver pulled it: the
    /// receiver delivers on the tombstone, and the transfer ends delivered everywhere
    /// instead of staying committed forever (found by ConvergenceTests).
    @Test func aDossierDeletedAfterTheCommitIsStillDelivered() async throws {
        let (t, a, b, person) = try await province()
        let request = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await t.settle()
        b.line!.connected = false
        _ = try t.hub.store.answerHandoff(cli, id: request.id, kind: .accept, reason: nil)
        try await t.settle()
        #expect(try state(t.hub, request.id) == "committed")
        try t.hub.store.deleteDossier(cli, id: person)
        b.line!.connected = true
        try await t.settle()
        for node in [t.hub, a, b] { #expect(try state(node, request.id) == "delivered", "\(node.name)") }
        #expect(throws: NodeError.self) { _ = try b.store.dossier(cli, id: person) }
    }
}
