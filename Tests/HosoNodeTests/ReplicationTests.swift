import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// The replication contract (shared/design/replication.md), rule by rule, on in-process
/// topologies through the in-memory transport.
@Suite struct ReplicationTests {
    let cli = Principal.commandLine("test")

    func person(_ t: TestTopology, _ name: String, _ unit: String, at store: NodeStore? = nil) throws -> String {
        try (store ?? t.hub.store).createDossier(cli, TestTopology.person(name, unit: t.units[unit]!))["id"]!.stringValue!
    }

    func row(_ store: NodeStore, _ id: String) throws -> JSONObject { try store.dossier(cli, id: id) }

    // MARK: Versions and causality

    @Test func localWritesBumpTheWritersCounterAndKeepTheVector() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let id = try person(t, "Phạm Thị Dung", "A1", at: a.store)
        let v1 = VersionVector(validating: try row(a.store, id)["version"]!)!
        _ = try a.store.updatePerson(cli, id: id, patch: ["phone": "0912345678"])
        let v2 = VersionVector(validating: try row(a.store, id)["version"]!)!
        #expect(v2[a.store.nodeID] > v1[a.store.nodeID])
        #expect(v2.compare(v1) == .dominates)
        try await t.settle()
        // Relayed unchanged: the hub holds the same vector, written by A.
        #expect(VersionVector(validating: try row(t.hub.store, id)["version"]!) == v2)
    }

    /// The background loop, started on another executor (as the benchmarks run hundreds
    /// of nodes), syncs a commit without being asked and stops when told.
    @Test func theLoopOnAnotherExecutorSyncsACommitByItself() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        var settings = a.sync!.settings
        settings.enabled = true   // the topology's own clients are driven by hand
        let loop = SyncClient(store: a.store, settings: settings, transport: a.line!, log: Log(component: "A", level: .error))
        loop.start(on: ResponderExecutor.shared)
        let id = try person(t, "Lê Văn Bình", "A1", at: a.store)
        let deadline = Date().addingTimeInterval(30)
        while (try? row(t.hub.store, id)) == nil && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        await loop.stop()
        #expect(try row(t.hub.store, id)["full_name"] == "Lê Văn Bình", "the loop pushed the commit to the hub")
    }

    @Test func reSentBatchesChangeNothing() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        for i in 0..<5 { _ = try person(t, "Người thứ \(i)", "A1", at: a.store) }
        try await t.settle()
        let before = try t.hub.store.dossierDigests()
        let clock = try t.hub.store.knowledgeVector()
        // Replay every push the node ever sent, in reverse order and twice.
        let pushes = a.line!.requests.filter { $0.path == "/sync/v1/push" }
        #expect(!pushes.isEmpty)
        for request in (pushes.reversed() + pushes) {
            let replay = await t.raw(request.path, try JSONValue.parse(utf8: request.body), credential: a.credential)
            #expect(replay.status == 200)
            let statuses = Set(replay.json["results"].arrayValue?.compactMap { $0["status"].stringValue } ?? [])
            #expect(statuses.isSubset(of: ["duplicate"]), "replayed changes are duplicates: \(statuses)")
            #expect(replay.json["applied"] == 0)
        }
        #expect(try t.hub.store.dossierDigests() == before)
        #expect(try t.hub.store.knowledgeVector() == clock, "replays do not even tick the hub's clock")
    }

    @Test func concurrentEditsKeepTheOwnersVersionAndTheLoserIsKept() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let id = try person(t, "Võ Minh Khánh", "A1")
        try await t.settle()
        // Both edit while apart: the hub admin (a superior body) and unit A (the owner).
        _ = try t.hub.store.updatePerson(cli, id: id, patch: ["phone": "0900000001"])
        _ = try a.store.updatePerson(cli, id: id, patch: ["phone": "0900000002"])
        try await t.settle()
        #expect(try row(t.hub.store, id)["phone"] == "0900000002", "the owning unit's version wins")
        #expect(try t.hub.store.dossierDigests()[id] == (try a.store.dossierDigests()[id]))
        let conflicts = try t.hub.store.conflicts(cli, status: "open")
        #expect(conflicts.count == 1)
        let conflict = try #require(conflicts.first)
        #expect(conflict.loser["data"]["phone"] == "0900000001")
        #expect(conflict.winner_origin == a.store.nodeID && conflict.loser_origin == t.hub.store.nodeID)
        // The same record (same id) reaches the owner's replica: its HR sees it too.
        #expect(try a.store.conflicts(cli, status: "open").map(\.id) == [conflict.id])

        // Resolving by keeping the loser writes it as a new version that wins everywhere.
        let resolved = try t.hub.store.resolveConflict(cli, id: conflict.id, keep: "loser", note: "quyết định của Sở")
        #expect(resolved.status == "resolved")
        try await t.settle()
        #expect(try row(a.store, id)["phone"] == "0900000001")
        #expect(try a.store.conflicts(cli, status: "open").isEmpty)
        #expect(try t.hub.store.dossierDigests()[id] == (try a.store.dossierDigests()[id]))
    }

    @Test func knowledgeVectorsShowLagAndConverge() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        for i in 0..<3 { _ = try person(t, "Lag \(i)", "A1", at: a.store) }
        let pending = try a.store.syncStatus(settings: a.sync?.settings)
        #expect(pending.pending_changes == 3)
        try await a.syncOnce()
        let child = try #require(try t.hub.store.children().first)
        #expect(child.lag_up == 0)
        #expect(child.knowledge[a.store.nodeID] == (try a.store.knowledgeVector()[a.store.nodeID]))
        let mine = try a.store.knowledgeVector(), hubs = try t.hub.store.knowledgeVector()
        #expect(mine[t.hub.store.nodeID] == hubs[t.hub.store.nodeID], "after a complete pull the child knows what the hub knows")
    }

    // MARK: Moving changes

    @Test func aLargeFirstSyncResumesWhereItStopped() async throws {
        let t = try TestTopology()
        var ids: [String] = []
        for i in 0..<40 {
            ids.append(try t.hub.store.createDossier(cli, TestTopology.person("Hồ sơ \(i)", unit: t.units["A1"]!).merging([
                "training": [["institution": "Trường Chính trị", "from_month": "2001-09"]],
            ]) { $1 })["id"]!.stringValue!)
        }
        let a = try t.addNode("A", units: ["A"], batchSize: 7)
        a.line!.cut(after: 6)   // the line drops in the middle of the first pull
        await #expect(throws: SyncError.self) { try await a.syncOnce() }
        let partial = try a.store.dossierDigests().count
        #expect(partial > 0 && partial < ids.count, "some batches were applied with their checkpoint: \(partial)")
        let checkpoint = try a.store.pullCheckpoint()
        a.line!.connected = true
        a.line!.cut(after: nil)
        let report = try await a.syncOnce()
        #expect(report.pullBatches > 1)
        #expect(try a.store.dossierDigests() == t.hub.store.dossierDigests(units: Set(["A", "A1", "A2"].map { t.units[$0]! })))
        // The resumed pull started from the stored checkpoint, not from zero.
        let firstResumed = try #require(a.line!.requests.last(where: { $0.path == "/sync/v1/pull" && (try? JSONValue.parse(utf8: $0.body)["since"].numberValue) == Double(checkpoint) }))
        _ = firstResumed
    }

    @Test func aMidTierNodeRelaysItsChildrenUnchanged() async throws {
        let t = try TestTopology()
        let district = try t.addNode("C", units: ["C"])
        try await t.settle()
        let commune = try t.addNode("C1", units: ["C1"], parent: district)
        try await t.settle()
        let id = try person(t, "Đinh Văn Toàn", "C1", at: commune.store)
        try await t.settle()
        let atCommune = try row(commune.store, id), atDistrict = try row(district.store, id), atHub = try row(t.hub.store, id)
        #expect(atCommune["version"] == atHub["version"] && atDistrict["version"] == atHub["version"])
        #expect(VersionVector(validating: atHub["version"]!)?[commune.store.nodeID] ?? 0 > 0)
        #expect(VersionVector(validating: atHub["version"]!)?[district.store.nodeID] == 0, "the relay adds no event")
        // And downward: a hub edit reaches the commune through the district.
        _ = try t.hub.store.updatePerson(cli, id: id, patch: ["phone": "0280000000"])
        try await t.settle()
        #expect(try row(commune.store, id)["phone"] == "0280000000")
    }

    // MARK: Ownership enforcement

    @Test func writesForUnitsANodeDoesNotServeAreRejectedQuarantinedAndUndone() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        try await t.settle()
        // Node B's operator creates a dossier in unit A, which B does not serve.
        let id = try person(t, "Trương Văn Lạ", "A1", at: b.store)
        let report = try await b.syncOnce()
        #expect(report.push.rejected == 1)
        let quarantined = try b.store.quarantined(cli, status: "open")
        #expect(quarantined.count == 1 && quarantined.first?.reason == "not_owner" && quarantined.first?.row_id == id)
        #expect(quarantined.first?.data["full_name"] == "Trương Văn Lạ", "the refused version is kept")
        // The authoritative state (no such dossier) is restored at B.
        #expect(try b.store.dossierDigests()[id].map { _ in try b.store.listDossiers(cli, DossierFilter(query: "Lạ")).total } == 0)
        try await t.settle()
        #expect(try a.store.listDossiers(cli, DossierFilter(query: "Lạ")).total == 0, "nothing leaked to the owner")
        #expect(try t.hub.store.listDossiers(cli, DossierFilter(query: "Lạ")).total == 0)
        #expect(try b.store.syncStatus(settings: b.sync?.settings).quarantined == 1)
        // The same refusal is given again to a re-sent push.
        let push = try #require(b.line!.requests.last(where: { $0.path == "/sync/v1/push" && (try? JSONValue.parse(utf8: $0.body)["changes"].arrayValue?.isEmpty) == false }))
        let replay = await t.raw(push.path, try JSONValue.parse(utf8: push.body), credential: b.credential)
        #expect(replay.json["results"][0]["reason"] == "not_owner")
    }

    @Test func forgedChangesAreRefusedWhateverTheySay() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        let id = try person(t, "Mai Thị Hoa", "A1")
        try await t.settle()
        let genuine = try row(t.hub.store, id)
        let envelope = try b.store.syncEnvelope()
        func change(_ entity: String, _ rowID: String, _ data: JSONObject, counter: Int64 = 50) -> ChangeRecord {
            ChangeRecord(seq: 1, entity: entity, id: rowID, origin: b.store.nodeID, vv: VersionVector([b.store.nodeID: envelope.clock + counter]),
                         author: nil, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", deleted: false, scope: nil, data: data)
        }
        var person = try #require(genuine.filter { ["unit_id", "full_name", "birth_date", "sex"].contains($0.key) })
        person["full_name"] = "Bị sửa trái phép"
        let catalogue: JSONObject = ["catalogue_id": "dan_toc", "code": "77", "name": "Giả", "attributes": "{}", "sort_order": 1]
        var moved = person
        moved["unit_id"] = .string(t.units["B"]!)
        let cases: [(ChangeRecord, String)] = [
            (change("person", id, person), "not_owner"),                                  // another unit's dossier
            (change("person", id, moved, counter: 51), "not_owner"),                       // "moving" it into B by editing unit_id
            (change("catalogue_entries", RecordID.make(), catalogue, counter: 52), "not_owner"),   // hub-owned
            (change("person", RecordID.make(), TestTopology.person("X", unit: RecordID.make()), counter: 53), "unknown_unit"),
            (change("training", RecordID.make(), ["person_id": .string(id), "institution": "X", "from_month": "2000-01"], counter: 54), "not_owner"),
            (change("person", RecordID.make(), ["unit_id": .string(t.units["B"]!), "full_name": 7], counter: 55), "invalid"),
            (change("secrets", RecordID.make(), [:], counter: 56), "invalid"),
            (change("users", RecordID.make(), ["username": "root2", "full_name": "x", "password_hash": "x", "role": "admin",
                                              "active": true, "must_change_password": false], counter: 57), "not_owner"),
        ]
        for (index, (forged, reason)) in cases.enumerated() {
            var f = forged
            f.seq = Int64(index + 1)
            let push = PushRequest(envelope: envelope, fromSeq: 0, toSeq: Int64(index + 1), changes: [f], batchID: RecordID.make())
            let answer = await t.raw("/sync/v1/push", push.jsonValue, credential: b.credential)
            #expect(answer.status == 200)
            #expect(answer.json["results"][0]["status"] == "rejected", "case \(index)")
            #expect(answer.json["results"][0]["reason"].stringValue == reason, "case \(index): \(answer.json)")
        }
        try await t.settle()
        #expect(try row(t.hub.store, id)["full_name"] == genuine["full_name"])
        #expect(try row(a.store, id)["full_name"] == genuine["full_name"])
        #expect(try t.hub.store.dossierDigests()[id] == (try a.store.dossierDigests()[id]))
        #expect(try t.hub.store.catalogueEntries("dan_toc").count == 56)
    }

    @Test func everySyncRequestIsAuthenticated() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        let hello = HelloRequest(envelope: try a.store.syncEnvelope(), pullCheckpoint: 0).jsonValue
        #expect(await t.raw("/sync/v1/hello", hello, credential: nil).status == 401)
        #expect(await t.raw("/sync/v1/hello", hello, credential: "garbage").status == 401)
        let wrongSecret = a.credential!.split(separator: ".")[0] + "." + String(repeating: "0", count: 64)
        #expect(await t.raw("/sync/v1/hello", hello, credential: String(wrongSecret)).status == 401)
        // B's credential with A's node id in the body: B cannot speak for A.
        let impersonation = await t.raw("/sync/v1/hello", hello, credential: b.credential)
        #expect(impersonation.status == 403 && impersonation.json["error"]["code"] == "forbidden")
        // A user's session token is not a node credential.
        #expect(await t.raw("/sync/v1/pull", PullRequest(envelope: try a.store.syncEnvelope(), since: 0).jsonValue, credential: "x.y").status == 401)
        // Truncated and malformed bodies: 400, nothing applied.
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Authorization", value: "HosoNode \(a.credential!)")
        let body = Array(PushRequest(envelope: try a.store.syncEnvelope(), fromSeq: 0, toSeq: 1, changes: [], batchID: "x").jsonValue.jsonString().utf8)
        let truncated = await t.hub.router.respond(to: HTTPRequest(method: .post, target: "/sync/v1/push", headers: headers, body: Array(body.prefix(body.count / 2))))
        #expect(truncated.status.code == 400 && truncated.json["error"]["code"] == "malformed")
        // A retired node is refused.
        try t.hub.store.retireChild(cli, nodeID: b.store.nodeID)
        await #expect(throws: SyncError.self) { try await b.syncOnce() }
        #expect(try b.store.syncStatus(settings: b.sync?.settings).state == "error")
    }

    // MARK: Identity

    @Test func aCopiedDataDirectoryIsRefusedAndCorruptsNothing() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        _ = try person(t, "Trước khi sao chép", "A1", at: a.store)
        try await t.settle()
        // Someone copies A's data directory to a second machine and starts it.
        let copyPath = t.directory + "/A-copy.sqlite"
        try a.store.backup(to: copyPath)
        let copy = try NodeStore(path: copyPath)
        #expect(copy.nodeID == a.store.nodeID)
        let copyClient = SyncClient(store: copy, settings: a.sync!.settings, transport: InMemorySyncTransport(parent: t.hub.router),
                                    log: Log(component: "copy", level: .error))
        let original = try person(t, "Bản gốc", "A1", at: a.store)
        let intruder = try person(t, "Bản sao", "A1", at: copy)
        try await a.syncOnce()
        await #expect(throws: SyncError.self) { try await copyClient.syncOnce() }
        do { try await copyClient.syncOnce() } catch let error as SyncError { #expect(error.code == .identityConflict) }
        #expect(try t.hub.store.dossierDigests()[original] != nil)
        #expect(try t.hub.store.dossierDigests()[intruder] == nil, "nothing of the copy was stored")
        // Refused but not yet held: one such hello could be a delayed duplicate of an old one.
        #expect(try t.hub.store.children().first?.status == "active")
        await #expect(throws: SyncError.self) { try await copyClient.syncOnce() }
        #expect(try t.hub.store.children().first?.status == "identity_conflict", "held at the third refusal in a row")
        // Until re-enrolled, the identity stays refused — for the original too.
        await #expect(throws: SyncError.self) { try await a.syncOnce() }
        #expect(try t.hub.store.integrityCheck() == ["ok"])
    }

    /// A hello sent before the child's last push, delivered late (a proxy retrying it, or
    /// the fault proxy's reordering) is refused and changes nothing; the child keeps syncing.
    @Test func aDelayedOldHelloDoesNotHoldTheNode() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        for round in 0..<5 {
            // The hello of this cycle, as sent before its push, reaches the hub again after it.
            _ = try person(t, "Vòng \(round)", "A1", at: a.store)
            let old = HelloRequest(envelope: try a.store.syncEnvelope(), pullCheckpoint: 0, pushMarks: try a.store.recentPushMarks()).jsonValue
            try await a.syncOnce()
            // Twice in a row is still below the hold; the child's own next hello resets the count.
            for _ in 0..<(round % 2 + 1) {
                let late = await t.raw("/sync/v1/hello", old, credential: a.credential)
                #expect(late.status == 409 && late.json["error"]["code"] == "identity_conflict", "\(late.json)")
            }
        }
        try await a.syncOnce()
        #expect(try t.hub.store.children().first?.status == "active")
        #expect(try a.store.dossierDigests() == t.hub.store.dossierDigests(units: Set(["A", "A1", "A2"].map { t.units[$0]! })))
    }

    /// A command run on an enrolled node's directory before its first sync (as
    /// `hoso hub enroll` on a fresh mid-tier node) must not seed code lists of its own.
    @Test func aCommandBeforeTheFirstSyncInventsNoCodeLists() throws {
        let directory = NSTemporaryDirectory() + "hoso-enrolled-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try NodeStore(path: directory + "/hoso.sqlite", nodeID: RecordID.make(), seedCatalogues: false)
        let reopened = try NodeStore(path: directory + "/hoso.sqlite")
        #expect(throws: NodeError.self, "no code list until the parent sends them") { try reopened.catalogueEntries("dan_toc") }
        #expect(try reopened.syncStatus(settings: nil).pending_changes == 0)
    }

    @Test func aNodeRestoredFromAnOldBackupIsRefused() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let backup = t.directory + "/A-backup.sqlite"
        try a.store.backup(to: backup)
        for i in 0..<3 { _ = try person(t, "Sau sao lưu \(i)", "A1", at: a.store) }
        try await t.settle()
        let restored = try NodeStore(path: backup)
        let client = SyncClient(store: restored, settings: a.sync!.settings, transport: InMemorySyncTransport(parent: t.hub.router),
                                log: Log(component: "restored", level: .error))
        do {
            try await client.syncOnce()
            Issue.record("a regressed node must be refused")
        } catch let error as SyncError {
            #expect(error.code == .nodeRegressed)
            #expect(error.message.contains("enroll --replace"))
        }
        #expect(try t.hub.store.children().first?.last_error?.hasPrefix("node_regressed") == true, "the hub's operator sees why")
        #expect(try t.hub.store.dossierDigests().count == 3)
    }
}
