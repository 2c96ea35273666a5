import Foundation
import HosoDomain
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// Three tiers of real processes over loopback HTTP: the hub (province); node M of a
/// district D under it, behind a `FaultProxy` that can cut the line; nodes D1 and D2 of
/// two communes under M; and node A of a department beside M.
///
/// - M relays its communes' changes upward unchanged (same writer, version and data at
///   every tier);
/// - ownership is enforced at every tier: an operator's write at D2 for commune D1 is
///   refused by M, one at M for department A is refused by the hub;
/// - a transfer from D1 to D2 completes while M is cut off from the province (M, their
///   lowest common ancestor, coordinates it), and the province converges once the line
///   is back.
@Suite(.serialized) struct MultiTierTests {
    let cli = Principal.commandLine("test")

    @Test func aMidTierNodeRelaysEnforcesOwnershipAndCoordinatesWhileCutOff() async throws {
        let province = try await ProcessProvince(root: NSTemporaryDirectory() + "hoso-tier-" + UUID().uuidString)
        defer { province.cleanUp() }
        for (code, name, parent) in [("A", "Sở A", "P"), ("D", "Huyện D", "P"), ("D1", "Xã D1", "D"), ("D2", "Xã D2", "D")] {
            try await province.addUnit(code, name: name, parent: parent)
        }
        for (user, unit) in [("hr.d", "D"), ("hr.d1", "D1"), ("hr.d2", "D2")] { try await province.addUser(user, role: "hr", unit: unit) }
        try await province.addNode("A", units: ["A"])
        try await province.addNode("M", units: ["D"], proxySeed: 1)
        try await province.addNode("D1", units: ["D1"], parent: "M")
        try await province.addNode("D2", units: ["D2"], parent: "M")
        let newPassword = province.password + "-moi"
        let d1Session = try await province.firstLogin("hr.d1", at: province.nodes["D1"]!, newPassword: newPassword)
        let d2Session = try await province.firstLogin("hr.d2", at: province.nodes["D2"]!, newPassword: newPassword)
        let mSession = try await province.firstLogin("hr.d", at: province.nodes["M"]!, newPassword: newPassword)
        let (hub, m, d1, d2) = (province.hub, province.nodes["M"]!, province.nodes["D1"]!, province.nodes["D2"]!)
        let admin = province.admin

        // 1. A commune's dossier travels commune → district → province.
        let created = try await d1.request("POST", "/api/dossiers", json: .object(TestTopology.person("Lò Văn Xã", unit: province.units["D1"]!)), token: d1Session)
        #expect(created.status == 201, "\(created.json)")
        let person = try #require(created.json["id"].stringValue)
        #expect(await eventually(seconds: 60) { (try? await hub.request("GET", "/api/dossiers/\(person)", token: admin).status) == 200 },
                "the dossier reaches the hub through M")

        // 2. Operators writing for units their node does not serve: an import at D2 into
        //    commune D1 (refused by M) and one at M into department A (refused by the hub).
        let package = province.root + "/package.json"
        _ = try HosoBinary.check(["dossier", "export", "--data", d1.directory, "--id", person, "--output", package])
        let intruders = [("D2", "D1"), ("M", "A")]
        var forged: [String: String] = [:]
        for (node, unit) in intruders {
            let run = try HosoBinary.run(["dossier", "import", "--data", province.nodes[node]!.directory, "--file", package, "--unit", unit])
            #expect(run.status == 0, "\(node): \(run.stderr)")
            forged[node] = run.stdout.components(separatedBy: "as dossier ").last?.trimmingCharacters(in: CharacterSet(charactersIn: ".\n "))
        }
        for (node, _) in intruders {
            let session = node == "D2" ? d2Session : mSession
            #expect(await eventually(seconds: 60) {
                ((try? await province.nodes[node]!.request("GET", "/api/sync/status", token: session).json["quarantined"].numberValue) ?? 0) >= 1
            }, "\(node)'s write for a unit it does not serve comes back refused and is quarantined there")
        }

        // 3. M is cut off from the province; D1 transfers the dossier to D2 and D2 accepts.
        province.proxies["M"]!.partition(for: 3_600)
        let request = try await d1.request("POST", "/api/handoffs", json: ["person_id": .string(person), "to_unit_id": .string(province.units["D2"]!),
                                                                            "event_type": "luan_chuyen", "decision_no": "15/QĐ-UBND"], token: d1Session)
        #expect(request.status == 201, "\(request.json)")
        let handoff = try #require(request.json["id"].stringValue)
        #expect(await eventually(seconds: 60) {
            (try? await d2.request("GET", "/api/handoffs/\(handoff)", token: d2Session).json["state"].stringValue) == "prepared"
        }, "the request reaches D2 through M alone")
        #expect(try await d2.request("POST", "/api/handoffs/\(handoff)/accept", token: d2Session).status == 200)
        #expect(await eventually(seconds: 60) {
            (try? await d2.request("GET", "/api/dossiers/\(person)", token: d2Session).json["unit_id"].stringValue) == province.units["D2"]
        }, "committed by M and delivered at D2 while the province is unreachable")
        #expect(try await d1.request("PATCH", "/api/dossiers/\(person)", json: ["phone": "0911"], token: d1Session).status == 409,
                "D1 keeps a read-only copy")
        #expect(try await d2.request("PATCH", "/api/dossiers/\(person)", json: ["phone": "0922"], token: d2Session).status == 200,
                "D2 owns it now")
        #expect(try await hub.request("GET", "/api/dossiers/\(person)", token: admin).json["unit_id"].stringValue == province.units["D1"],
                "the province has not heard yet")

        // 4. The line is back: the province converges.
        province.proxies["M"]!.heal()
        #expect(await eventually(seconds: 90) {
            let there = try? await hub.request("GET", "/api/dossiers/\(person)", token: admin).json
            return there?["unit_id"].stringValue == province.units["D2"] && there?["phone"].stringValue == "0922"
        }, "the hub accepts the move and D2's edit")
        #expect(await eventually(seconds: 60) {
            (try? await hub.request("GET", "/api/handoffs/\(handoff)", token: admin).json["state"].stringValue) == "delivered"
        })
        try await Task.sleep(nanoseconds: 3_000_000_000)   // a few more cycles everywhere

        // 5. Every replica, file by file.
        province.stopAll()
        let path = { (name: String) in province.nodes[name]!.directory + "/hoso.sqlite" }
        let hubStore = try NodeStore(path: path("hub"))
        let served = ["A": ["A"], "M": ["D", "D1", "D2"], "D1": ["D1"], "D2": ["D2"]]
        let origin = try #require(try hubStore.rowVersion(entity: "handoff_events", id: HandoffEvent.id(handoff: handoff, kind: .commit))?.origin)
        #expect(origin == (try NodeStore(path: path("M")).nodeID), "M coordinated the transfer")
        for (name, codes) in served {
            let store = try NodeStore(path: path(name))
            let scope = Set(codes.map { province.units[$0]! })
            let mine = try store.dossierDigests(units: scope), theirs = try hubStore.dossierDigests(units: scope)
            let differing = Set(mine.keys).union(theirs.keys).filter { mine[$0] != theirs[$0] }.sorted()
            #expect(differing.isEmpty, "\(name) converged with the hub; differing: \(differing.map { "\($0) here \(mine[$0] != nil) hub \(theirs[$0] != nil)" })")
            #expect(try store.integrityCheck() == ["ok"], "\(name) integrity")
            #expect(try store.conflicts(cli, status: nil).isEmpty, "no conflict at \(name)")
            // Relayed unchanged: the same writer, version and data at every tier that holds it.
            if codes.contains("D") || codes.contains("D2") {
                let here = try store.rowVersion(entity: "person", id: person), there = try hubStore.rowVersion(entity: "person", id: person)
                #expect(here?.origin == there?.origin && here?.vv == there?.vv && here?.content == there?.content, "\(name) holds the hub's version of the dossier")
            }
            // Quarantine holds exactly the refused operator writes, where they were made.
            let quarantined = try store.quarantined(cli, status: nil)
            if let intruder = forged[name] {
                #expect(quarantined.contains { $0.row_id == intruder && $0.reason == "not_owner" }, "\(name) keeps its refused write in quarantine")
                #expect(try store.listDossiers(cli, DossierFilter(perPage: 50)).items.allSatisfy { scope.contains($0["unit_id"]?.stringValue ?? "") },
                        "\(name) holds nothing live outside its units")
            } else {
                #expect(quarantined.isEmpty, "nothing quarantined at \(name)")
            }
        }
        for (node, _) in intruders {
            let id = try #require(forged[node])
            // Above the intruder there is at most the refusal's tombstone, never the dossier.
            let parent = node == "D2" ? "M" : "hub"
            for (tier, store) in [("hub", hubStore), (parent, try NodeStore(path: path(parent)))] {
                let row = try store.rowVersion(entity: "person", id: id)
                #expect(row == nil || row!.content.contains("\"deleted\":true"), "\(node)'s refused dossier is not live at \(tier): \(row?.content ?? "")")
            }
        }
        #expect(try hubStore.integrityCheck() == ["ok"])
    }
}
