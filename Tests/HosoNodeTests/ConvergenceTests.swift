import Foundation
import HosoDomain
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// Seeded randomized test of the replication invariants (replication.md, "Invariants
/// the tests must check"), after cr-sqlite's `test_sync_prop.py`: random edits on
/// every node, random partitions, interrupted and partial syncs and restarts; then heal
/// and check convergence, single writer, no loss and exactly-once.
///
/// Reproduce a failure with `SWIFT_DETERMINISTIC_HASHING=1 HOSO_SEED=<seed> swift test
/// --filter ConvergenceTests` (deterministic hashing makes the order of dictionaries and
/// sets, in the test and in the code, the same from run to run; `HOSO_DEBUG=1` prints
/// the rows that differ).
@Suite struct ConvergenceTests {
    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["HOSO_SEED"], let seed = UInt64(text) { return [seed] }
        return [1, 2, 3, 20261123, UInt64(Date().timeIntervalSince1970) % 1_000_000]
    }

    /// One recorded local write: what some node wrote, as it stored it.
    struct Write {
        let node: String
        let version: RowVersion
    }

    @Test(arguments: seeds)
    func randomHistoriesConverge(seed: UInt64) async throws {
        var rng = SampleData.Generator(seed: seed)
        let tag = "seed \(seed); rerun with SWIFT_DETERMINISTIC_HASHING=1 HOSO_SEED=\(seed) HOSO_DEBUG=1"
        let cli = Principal.commandLine("random")
        let t = try TestTopology()
        try t.addNode("A", units: ["A"])
        try t.addNode("B", units: ["B"])
        let c = try t.addNode("C", units: ["C"])
        try await t.settle()
        try t.addNode("C1", units: ["C1"], parent: c)
        for (unit, name) in [("A1", "Nguyễn Văn An"), ("A2", "Lê Thị Bích"), ("B", "Trần Văn Cường"), ("C1", "Phạm Thị Dung"), ("C2", "Hoàng Văn Em")] {
            _ = try t.hub.store.createDossier(cli, TestTopology.person(name, unit: t.units[unit]!))
        }
        try await t.settle()

        /// Units each node serves (its branch); the hub reaches all.
        let branches: [String: [String]] = ["A": ["A", "A1", "A2"], "B": ["B"], "C": ["C", "C1", "C2"], "C1": ["C1"]]
        var writes: [Write] = []
        var handoffs: [String] = []
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func node(_ name: String) -> TopologyNode { name == "hub" ? t.hub : t[name] }
        func record(_ name: String, _ entity: String, _ id: String) throws {
            if let v = try node(name).store.rowVersion(entity: entity, id: id) { writes.append(Write(node: name, version: v)) }
        }

        for step in 0..<250 {
            let roll = rng.next() % 100
            let names = ["hub", "A", "B", "C", "C1"]
            switch roll {
            case 0..<45:
              // A local write at a random node, inside what it holds (a dossier being
              // transferred, or transferred away, refuses writes: that is expected).
              do {
                let name = pick(names)
                let store = node(name).store
                let dossiers = try store.listDossiers(cli, DossierFilter(perPage: 200)).items.compactMap { $0["id"]?.stringValue }
                if name != "hub" && chance(4) {
                    // An operator writes for a unit the node does not serve: refused upstream.
                    let foreign = t.units.keys.filter { !branches[name]!.contains($0) && $0 != "P" }.sorted()
                    let id = try store.createDossier(cli, TestTopology.person("Ngoài phạm vi \(step)", unit: t.units[pick(foreign)]!))["id"]!.stringValue!
                    try record(name, "person", id)
                    continue
                }
                if name == "hub" && chance(3), let victim = dossiers.randomElement(using: &rng) {
                    let rows = try store.subRecords(cli, personID: victim, kind: DossierSchema.training).compactMap { $0["id"]?.stringValue }
                    try store.deleteDossier(cli, id: victim)
                    try record(name, "person", victim)
                    for row in rows { try record(name, "training", row) }
                    continue
                }
                if dossiers.isEmpty || chance(15) {
                    let units = name == "hub" ? t.units.keys.sorted() : branches[name]!
                    let unit = pick(units.filter { $0 != "P" })
                    let id = try store.createDossier(cli, TestTopology.person("Người \(step) \(name)", unit: t.units[unit]!))["id"]!.stringValue!
                    try record(name, "person", id)
                    continue
                }
                let id = pick(dossiers)
                switch rng.next() % 4 {
                case 0:
                    _ = try store.updatePerson(cli, id: id, patch: ["phone": .string("09\(rng.next() % 100_000_000)")])
                    try record(name, "person", id)
                case 1:
                    let row = try store.createSubRecord(cli, personID: id, kind: DossierSchema.training,
                                                        body: ["institution": .string("Trường \(step)"), "from_month": "2001-09"])
                    try record(name, "training", row["id"]!.stringValue!)
                default:
                    let rows = try store.subRecords(cli, personID: id, kind: DossierSchema.training)
                    guard let row = rows.randomElement(using: &rng), let rowID = row["id"]?.stringValue else { continue }
                    if chance(30) {
                        try store.deleteSubRecord(cli, personID: id, kind: DossierSchema.training, id: rowID)
                    } else {
                        _ = try store.updateSubRecord(cli, personID: id, kind: DossierSchema.training, id: rowID,
                                                      patch: ["major": .string("Ngành \(rng.next() % 1000)")])
                    }
                    try record(name, "training", rowID)
                }
              } catch let error as NodeError where ["frozen_in_handoff", "transferred_out", "archived"].contains(error.code) {}
            case 45..<55:
                // A line goes down or comes back.
                let n = t[pick(["A", "B", "C", "C1"])]
                n.line!.connected.toggle()
            case 55..<62:
                // A sync cut off in the middle.
                let n = t[pick(["A", "B", "C", "C1"])]
                n.line!.cut(after: Int(rng.next() % 4))
                _ = try? await n.syncOnce()
                n.line!.cut(after: nil)
            case 62..<66:
                // A process restarts (the hub included).
                _ = try t.restart(pick(names))
            case 66..<71:
                // A transfer is requested where the dossier is held (by its unit, or the hub).
                let name = pick(names)
                let store = node(name).store
                let dossiers = try store.listDossiers(cli, DossierFilter(perPage: 200)).items
                guard let dossier = dossiers.randomElement(using: &rng), let id = dossier["id"]?.stringValue,
                      let current = dossier["unit_id"]?.stringValue else { continue }
                let target = pick(t.units.filter { $0.value != current && $0.key != "P" }.map(\.value).sorted())
                do {
                    handoffs.append(try store.requestHandoff(cli, HandoffRequest(person_id: id, to_unit_id: target)).id)
                } catch let error as NodeError where ["frozen_in_handoff", "transferred_out", "archived", "handoff_in_progress", "not_served_here"].contains(error.code) {
                } catch { Issue.record("request at \(name) for \(id) [\(current)]: \(error) step \(step) [\(tag)]") }
            case 71..<76:
                // Someone answers a transfer they can see: accept mostly, sometimes refuse or cancel.
                guard let id = handoffs.randomElement(using: &rng) else { continue }
                let kind: HandoffEvent.Kind = chance(70) ? .accept : (chance(50) ? .refuse : .cancel)
                _ = try? node(pick(names)).store.answerHandoff(cli, id: id, kind: kind, reason: "lý do \(step)")
            default:
                let n = t[pick(["A", "B", "C", "C1"])]
                _ = try? await n.syncOnce()
            }
        }

        // Heal everything and let sync settle.
        for name in ["A", "B", "C", "C1"] {
            t[name].line!.cut(after: nil)
            t[name].line!.connected = true
        }
        try await t.settle(rounds: 12)
        let hub = t.hub.store
        // Transfers still waiting for an answer are accepted by the hub (a superior may).
        // (A transfer requested for a dossier a node wrote out of its scope never reaches the hub.)
        handoffs = handoffs.filter { (try? hub.handoff(cli, id: $0)) != nil }
        for id in handoffs {
            let state = try hub.handoff(cli, id: id).state
            if state == "prepared" || state == "requested" {
                do { _ = try hub.answerHandoff(cli, id: id, kind: .accept, reason: nil) } catch {
                    let request = try hub.rowVersion(entity: "handoff_events", id: HandoffEvent.id(handoff: id, kind: .request))
                    let q = try hub.quarantined(cli, status: nil).filter { $0.data.jsonString().contains(id) }
                    Issue.record("accept \(id) at the hub: \(error); request \(request.map { "\($0.origin) \($0.vv) \($0.content)" } ?? "-"); quarantined \(q.map { "\($0.reason) \($0.data.jsonString().prefix(300))" }) person \(try hub.rowVersion(entity: "person", id: hub.handoff(cli, id: id).person_id).map { "\($0.origin) \($0.vv) \($0.content)" } ?? "-") units \(t.units) ids \(["A", "B", "C", "C1"].map { "\($0)=\(t[$0].store.nodeID)" }) [\(tag)]")
                }
            }
        }
        try await t.settle(rounds: 12)

        // 5. Every transfer ended whole: delivered or aborted, the same everywhere it is known.
        for id in handoffs {
            guard let atHub = try? hub.handoff(cli, id: id) else {
                let request = try hub.rowVersion(entity: "handoff_events", id: HandoffEvent.id(handoff: id, kind: .request))
                Issue.record("handoff \(id) vanished at the hub: \(request.map { "\($0.origin) \($0.vv) \($0.content)" } ?? "-") [\(tag)]")
                continue
            }
            if !["delivered", "aborted"].contains(atHub.state), ProcessInfo.processInfo.environment["HOSO_DEBUG"] != nil {
                print("HALF \(id) \(atHub.from_unit_name) → \(atHub.to_unit_name) coordinator \(atHub.coordinator ?? "-") steps \(atHub.steps.map { "\($0.kind)@\($0.node.prefix(13))" })")
                for n in [t.hub] + ["A", "B", "C", "C1"].map({ t[$0] }) {
                    let known = try? n.store.handoff(cli, id: id)
                    let row = try n.store.rowVersion(entity: "person", id: atHub.person_id)
                    print("  \(n.name) \(n.store.nodeID.prefix(13)): \(known?.state ?? "-") steps \(known?.steps.map(\.kind) ?? []) person \(row.map { "\($0.vv) \($0.content.prefix(200))" } ?? "-")")
                }
            }
            #expect(atHub.state == "delivered" || atHub.state == "aborted", "handoff \(id) ended half: \(atHub.state) [\(tag)]")
            for (name, units) in branches {
                let there = try? t[name].store.handoff(cli, id: id)
                // Every node serving either unit knows the transfer, and sees it end the same way.
                let involved = units.contains { t.units[$0] == atHub.from_unit || t.units[$0] == atHub.to_unit }
                #expect(!involved || there != nil, "\(name) does not know handoff \(id) [\(tag)]")
                if let there { #expect(there.state == atHub.state, "\(name) sees \(there.state) [\(tag)]") }
            }
            let owner = (try? hub.dossier(cli, id: atHub.person_id))?["unit_id"]?.stringValue   // nil: deleted since
            if atHub.state == "delivered" {
                // It now belongs to the receiving unit, unless a later transfer moved it on.
                let later = try hub.handoffs(cli, direction: nil, active: false)
                    .contains { $0.person_id == atHub.person_id && $0.from_unit == atHub.to_unit && $0.state == "delivered" }
                #expect(owner == nil || owner == atHub.to_unit || later, "handoff \(id) delivered but the owner is \(owner ?? "-") [\(tag)]")
            }
        }

        // 1. Convergence: every replica holds the hub's version of every dossier in its scope.
        for (name, units) in branches {
            let scope = Set(units.map { t.units[$0]! })
            let mine = try t[name].store.dossierDigests(units: scope), theirs = try hub.dossierDigests(units: scope)
            if mine != theirs, ProcessInfo.processInfo.environment["HOSO_DEBUG"] != nil {
                for id in Set(mine.keys).union(theirs.keys) where mine[id] != theirs[id] {
                    print("DIFF \(name) dossier \(id): node has \(mine[id] != nil), hub has \(theirs[id] != nil)")
                    let here = try t[name].store.dossierRowVersions().filter { $0.value.content.contains(id) || $0.key.hasSuffix(id) }
                    let there = try hub.dossierRowVersions().filter { $0.value.content.contains(id) || $0.key.hasSuffix(id) }
                    for key in Set(here.keys).union(there.keys).sorted() where here[key] != there[key] {
                        print("  \(key)\n    node: \(here[key].map { "\($0.origin) \($0.vv) \($0.content.prefix(160))" } ?? "-")\n    hub:  \(there[key].map { "\($0.origin) \($0.vv) \($0.content.prefix(160))" } ?? "-")")
                    }
                }
            }
            #expect(mine == theirs, "\(name) converged [\(tag)]")
            // Outside its scope a node keeps nothing live (at most tombstones of refused rows).
            let outside = try t[name].store.listDossiers(cli, DossierFilter(perPage: 200)).items.filter { !scope.contains($0["unit_id"]?.stringValue ?? "") }
            #expect(outside.isEmpty, "\(name) holds \(outside.count) dossiers outside its scope [\(tag)]")
            // Shared data is the same everywhere (tables scoped to units are checked above
            // and in 5: conflicts, accounts, staffing quotas, handoff events).
            let scoped = ["conflicts:", "users:", "staffing_quotas:", "handoff_events:"]
            #expect(try t[name].store.sharedDigests().filter { key, _ in !scoped.contains { key.hasPrefix($0) } }
                    == hub.sharedDigests().filter { key, _ in !scoped.contains { key.hasPrefix($0) } },
                    "\(name) holds the same shared data [\(tag)]")
        }

        // 2. Single writer: every version the hub accepted was written inside the owning
        // branch (by the owning node or a node above it, never a sibling's branch).
        let ids: [String: String] = ["A": t["A"].store.nodeID, "B": t["B"].store.nodeID, "C": t["C"].store.nodeID,
                                     "C1": t["C1"].store.nodeID, "hub": hub.nodeID]
        func allowedWriters(unit: String) -> Set<String> {
            let code = t.units.first { $0.value == unit }?.key ?? ""
            if code == "C1" { return [ids["C1"]!, ids["C"]!, ids["hub"]!] }
            if ["C", "C2"].contains(code) { return [ids["C"]!, ids["hub"]!] }
            if ["A", "A1", "A2"].contains(code) { return [ids["A"]!, ids["hub"]!] }
            if code == "B" { return [ids["B"]!, ids["hub"]!] }
            return [ids["hub"]!]
        }
        let persons = try hub.listDossiers(cli, DossierFilter(perPage: 200))
        var unitOf: [String: String] = [:]
        for item in persons.items { unitOf[item["id"]!.stringValue!] = item["unit_id"]!.stringValue! }
        let moves = try hub.handoffs(cli, direction: nil, active: false).filter { $0.state == "delivered" }
        var commits: [String: [VersionVector]] = [:]
        for move in moves {
            guard let step = move.steps.first(where: { $0.kind == "commit" }), let vv = VersionVector(validating: step.data["vv"]) else { continue }
            commits[move.person_id, default: []].append(vv)
        }
        for (key, version) in try hub.dossierRowVersions() {
            let person = version.entity == "person" ? version.id : ((try? JSONValue.parse(version.content))?["data"]["person_id"].stringValue ?? "")
            guard let unit = unitOf[person] else { continue }   // deleted dossier
            // The units that owned the dossier at some point: its own, and those it was transferred from.
            let owners = [unit] + moves.filter { $0.person_id == person }.map(\.from_unit)
            let writers = owners.reduce(into: Set<String>()) { $0.formUnion(allowedWriters(unit: $1)) }
            #expect(writers.contains(version.origin), "\(key) written by \(version.origin) [\(tag)]")
        }

        // 3. No loss: every write is in the converged state, superseded by a later write
        // made with knowledge of it, kept as a conflict loser, or quarantined.
        var losers: [(VersionVector, String)] = []
        var quarantined: [(VersionVector, String)] = []
        for n in [t.hub] + ["A", "B", "C", "C1"].map({ t[$0] }) {
            for conflict in try n.store.conflicts(cli, status: nil) {
                losers.append((VersionVector(conflict.loser_version), conflict.loser.jsonString()))
            }
            for item in try n.store.quarantined(cli, status: nil) {
                quarantined.append((VersionVector(item.version), item.data.jsonString()))
            }
        }
        // The history must have exercised the machinery, or the checks prove little.
        // Transfers freeze dossiers and refuse writes, so a history rich in transfers has fewer.
        #expect(writes.count > 20 && writes.count + 3 * handoffs.count > 40, "\(writes.count) writes, \(handoffs.count) transfers [\(tag)]")
        print("convergence \(tag): \(handoffs.count) transfers (\(moves.count) delivered), \(writes.count) writes, \(Set(losers.map(\.1)).count) conflict losers, \(quarantined.count) quarantined, \(try hub.dossierDigests().count) dossiers")
        for write in writes {
            let v = write.version
            let final = try hub.rowVersion(entity: v.entity, id: v.id)
            if final?.content == v.content { continue }
            if writes.contains(where: { $0.version.id == v.id && $0.version.vv.compare(v.vv) == .dominates }) { continue }
            // A transfer's commit rewrites the person row (its unit) with knowledge of the dossier.
            if v.entity == "person", commits[v.id, default: []].contains(where: { $0.includes(v.vv) }) { continue }
            if losers.contains(where: { $0.0.compare(v.vv) != .dominated && $0.1 == v.content }) { continue }
            if quarantined.contains(where: { $0.0 == v.vv }) { continue }
            Issue.record("write lost: \(v.entity) \(v.id) by \(write.node) \(v.vv) \(tag)\n  wrote \(v.content.suffix(300))\n  final \(final.map { "\($0.origin) \($0.vv) \($0.content.suffix(300))" } ?? "-")")
        }

        // 4. Exactly-once: replaying every push ever sent, shuffled, changes nothing.
        let before = try hub.dossierDigests()
        let beforeC = try t["C"].store.dossierDigests()
        for name in ["A", "B", "C", "C1"] {
            var pushes = t[name].line!.requests.filter { $0.path == "/sync/v1/push" }
            pushes.shuffle(using: &rng)
            for request in pushes.prefix(40) {
                let answer = await t.raw(request.path, try JSONValue.parse(utf8: request.body), credential: t[name].credential,
                                         parent: name == "C1" ? t["C"] : nil)
                #expect(answer.status == 200 || answer.json["error"]["code"] == "checkpoint_gap", "replay answered \(answer.status) [\(tag)]")
            }
        }
        #expect(try hub.dossierDigests() == before, "replays changed nothing [\(tag)]")
        #expect(try t["C"].store.dossierDigests() == beforeC, "replays to the mid-tier changed nothing [\(tag)]")

        // 6. Crash safety of the files themselves.
        for n in [t.hub] + ["A", "B", "C", "C1"].map({ t[$0] }) {
            #expect(try n.store.integrityCheck() == ["ok"], "\(tag)")
            #expect(try n.store.foreignKeyProblems().isEmpty, "\(n.name) references are whole [\(tag)]")
        }
    }
}
