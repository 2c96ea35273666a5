import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// A three-tier province of real processes — hub; node A and mid-tier node M under it; node
/// D1 under M — with a `FaultProxy` on every edge dropping, delaying, duplicating,
/// truncating and reordering requests and answers and partitioning for a while, and
/// `kill -9` of any process (hub, mid-tier, leaf) at random moments, while every node takes
/// writes and dossiers move between A and D1. After healing: every acknowledged write is
/// there, transfers completed, replicas identical, no conflict or quarantine that the
/// workload did not cause, `PRAGMA integrity_check` = ok everywhere.
///
/// `HOSO_FAULT_SEED=<seed>` replays a schedule (timings still vary); `HOSO_FAULT_SECONDS`
/// sets the chaos of one round (default 30); `HOSO_SOAK_SECONDS=3600` repeats rounds of
/// chaos, healing and verification for an hour.
@Suite(.serialized) struct FaultInjectionTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test func chaosOnEveryEdgeLosesNothingAndConverges() async throws {
        let seed = Self.environment["HOSO_FAULT_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let chaosSeconds = Self.environment["HOSO_FAULT_SECONDS"].flatMap(Double.init) ?? 30
        let soakSeconds = Self.environment["HOSO_SOAK_SECONDS"].flatMap(Double.init) ?? 0
        let tag = "seed \(seed); replay with HOSO_FAULT_SEED=\(seed) swift test --filter FaultInjectionTests"
        print("FaultInjectionTests: \(tag)")
        var random = SampleData.Generator(seed: seed)

        let province = try await ProcessProvince(root: NSTemporaryDirectory() + "hoso-fault-" + UUID().uuidString)
        defer { province.cleanUp() }
        for (code, name, parent) in [("A", "Sở A", "P"), ("B", "Sở B", "P"), ("D", "Huyện D", "P"), ("D1", "Xã D1", "D")] {
            try await province.addUnit(code, name: name, parent: parent)
        }
        for (user, unit) in [("hr.a", "A"), ("hr.d", "D"), ("hr.d1", "D1")] { try await province.addUser(user, role: "hr", unit: unit) }
        try await province.addNode("A", units: ["A"], proxySeed: random.next())
        try await province.addNode("M", units: ["D"], proxySeed: random.next())
        try await province.addNode("D1", units: ["D1"], parent: "M", proxySeed: random.next())

        let newPassword = province.password + "-moi"
        let workload = Workload(province: province, password: newPassword)
        for (node, user) in [("A", "hr.a"), ("M", "hr.d"), ("D1", "hr.d1")] {
            // The account reaches its node with the first syncs (through the mid-tier for D1).
            workload.setSession(node, try await province.firstLogin(user, at: province.nodes[node]!, newPassword: newPassword))
        }
        workload.setSession("hub", province.admin)

        let started = Date()
        var round = 0
        repeat {
            round += 1
            print("FaultInjectionTests round \(round): chaos for \(Int(chaosSeconds)) s (\(tag))")
            for proxy in province.proxies.values { proxy.setProfile(.hostile) }
            var writers: [Task<Void, Never>] = []
            for (node, unit) in [("A", "A"), ("M", "D"), ("D1", "D1"), ("hub", "B")] {
                let unitID = province.units[unit]!, writerSeed = random.next()
                writers.append(Task { await workload.write(at: node, unit: unitID, seed: writerSeed) })
            }
            let d1 = province.units["D1"]!
            let acceptor = Task { await workload.acceptTransfers(at: "D1", unit: d1) }
            let chaosEnd = Date().addingTimeInterval(chaosSeconds)
            while Date() < chaosEnd {
                try await Task.sleep(nanoseconds: 500_000_000 + random.next() % 2_000_000_000)
                switch random.next() % 20 {
                case 0..<7:
                    let victim = ["hub", "M", "A", "D1"][Int(random.next() % 4)]
                    let node = province.nodes[victim]!
                    node.kill9()
                    workload.note("kill -9 \(victim)")
                    try await Task.sleep(nanoseconds: random.next() % 1_500_000_000)
                    try await node.start()
                case 7..<12:
                    let edge = ["A", "M", "D1"][Int(random.next() % 3)]
                    let seconds = 1 + Double(random.next() % 4_000) / 1_000
                    province.proxies[edge]!.partition(for: seconds)
                    workload.note("partition \(edge) \(String(format: "%.1f", seconds)) s")
                case 12..<17:
                    await workload.startTransfer(from: "A", to: province.units["D1"]!)
                default:
                    break
                }
            }
            workload.stopWriting()
            for writer in writers { await writer.value }
            print("FaultInjectionTests round \(round) after the chaos: \(workload.summary); proxies: " +
                  province.proxies.sorted { $0.key < $1.key }.map { "\($0.key)[\($0.value.summary)]" }.joined(separator: " "))

            // Heal: every process up, no faults; the transfers under way finish.
            for proxy in province.proxies.values { proxy.setProfile(.transparent); proxy.heal() }
            for node in province.nodes.values where node.pid == nil { try await node.start() }
            try await province.refreshAdmin()
            workload.setSession("hub", province.admin)
            let healing = Date()
            let healed = await eventually(seconds: 120) {
                await workload.syncEverywhere()
                return try await workload.quiet()
            }
            workload.stopAccepting()
            await acceptor.value
            print("FaultInjectionTests round \(round): healed in \(Int(Date().timeIntervalSince(healing))) s; \(workload.summary); proxies: " +
                  province.proxies.sorted { $0.key < $1.key }.map { "\($0.key)[\($0.value.summary)]" }.joined(separator: " "))
            #expect(healed, "the province settles after healing (\(tag)): \(workload.lastWaitReason)")
            try await workload.verify(tag: tag)
        } while Date().timeIntervalSince(started) < soakSeconds
    }
}

/// The writes, transfers and bookkeeping of the chaos test: what each node acknowledged.
final class Workload: @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`; the province is only read.
    let province: ProcessProvince
    let password: String
    private let lock = NSLock()
    private var sessions: [String: String] = [:]
    /// Acknowledged dossiers: id → (owner unit, last acknowledged phone or nil).
    private var acknowledged: [String: (unit: String, phone: String?)] = [:]
    /// Phones sent after the last acknowledgement whose answer never came (the write may or may not have happened).
    private var uncertain: [String: Set<String>] = [:]
    /// Transfers requested: id → person.
    private var transfers: [String: String] = [:]
    private var counters: [String: Int] = [:]
    private var writing = true
    private var accepting = true
    private var phoneCounter = 0
    private(set) var lastWaitReason = ""

    init(province: ProcessProvince, password: String) {
        self.province = province
        self.password = password
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func setSession(_ node: String, _ token: String) { locked { sessions[node] = token } }
    func session(_ node: String) -> String { locked { sessions[node] ?? "" } }
    func note(_ event: String) { locked { counters[event.split(separator: " ").prefix(2).joined(separator: " "), default: 0] += 1 } }
    func stopWriting() { locked { writing = false } }
    func stopAccepting() { locked { accepting = false } }
    var summary: String { locked { counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } }

    /// Writes at `node` until stopped: new dossiers in `unit`, and phone edits of its own ones.
    func write(at nodeName: String, unit: String, seed: UInt64) async {
        locked { writing = true }
        var random = SampleData.Generator(seed: seed)
        let node = province.nodes[nodeName]!
        while locked({ writing }) {
            // A clerk's pace, several at once: leaves the two cores room to sync.
            try? await Task.sleep(nanoseconds: 5_000_000 + random.next() % 20_000_000)
            let mine = locked { acknowledged.filter { $0.value.unit == unit }.map(\.key).sorted() }
            if mine.isEmpty || random.next() % 10 < 3 {
                let name = "Người thử \(nodeName) \(random.next() % 100_000)"
                guard let answer = try? await node.request("POST", "/api/dossiers", json: .object(TestTopology.person(name, unit: unit)), token: session(nodeName)) else {
                    note("unanswered write")
                    try? await Task.sleep(nanoseconds: 200_000_000)
                    continue
                }
                if answer.status == 201, let id = answer.json["id"].stringValue {
                    locked { acknowledged[id] = (unit, nil); counters["created", default: 0] += 1 }
                } else {
                    await refused(nodeName, answer)
                }
            } else {
                let id = mine[Int(random.next() % UInt64(mine.count))]
                let phone = locked { () -> String in
                    phoneCounter += 1
                    return String(format: "09%08d", phoneCounter)
                }
                let answer = try? await node.request("PATCH", "/api/dossiers/\(id)", json: ["phone": .string(phone)], token: session(nodeName))
                locked {
                    switch answer?.status {
                    case 200?:
                        acknowledged[id]?.phone = phone
                        uncertain[id] = nil
                        counters["edited", default: 0] += 1
                    case nil:
                        uncertain[id, default: []].insert(phone)
                        counters["unanswered write", default: 0] += 1
                    default:
                        counters["refused \(answer!.status)", default: 0] += 1
                    }
                }
                if let answer, answer.status != 200 { await refused(nodeName, answer) }
            }
        }
    }

    /// A refused write: a lost session is renewed; anything but 401/403/404/409/503 is a finding.
    private func refused(_ nodeName: String, _ answer: (status: Int, json: JSONValue)) async {
        if answer.status == 401, let user = ["A": "hr.a", "M": "hr.d", "D1": "hr.d1", "hub": "admin"][nodeName] {
            let secret = nodeName == "hub" ? province.password : password
            if let token = try? await province.nodes[nodeName]!.login(user, password: secret, attempts: 5) { setSession(nodeName, token) }
        }
        // 409: the dossier is in a transfer or moved away; 503: the node is starting.
        #expect([401, 403, 404, 409, 503].contains(answer.status), "unexpected refusal at \(nodeName): \(answer.status) \(answer.json)")
        try? await Task.sleep(nanoseconds: 100_000_000)
    }

    /// Asks `from` to transfer one of its acknowledged dossiers to unit `to`.
    func startTransfer(from nodeName: String, to unit: String) async {
        let fromUnit = province.units[nodeName]!
        guard let person = locked({ acknowledged.filter { $0.value.unit == fromUnit && !transfers.values.contains($0.key) }.map(\.key).sorted().first }) else { return }
        let answer = try? await province.nodes[nodeName]!.request("POST", "/api/handoffs", json: [
            "person_id": .string(person), "to_unit_id": .string(unit), "event_type": "thuyen_chuyen", "decision_no": .string("\(Int.random(in: 1...999))/QĐ-UBND"),
        ], token: session(nodeName))
        if answer?.status == 201, let id = answer?.json["id"].stringValue {
            locked {
                transfers[id] = person
                acknowledged[person]?.unit = unit
                counters["transfer requested", default: 0] += 1
            }
        } else {
            note("transfer not-requested")
        }
    }

    /// The receiving unit accepts every prepared transfer to it, until stopped.
    func acceptTransfers(at nodeName: String, unit: String) async {
        while locked({ accepting }) {
            let node = province.nodes[nodeName]!
            if let list = try? await node.request("GET", "/api/handoffs", token: session(nodeName)).json.arrayValue {
                for handoff in list where handoff["state"] == "prepared" && handoff["to_unit"].stringValue == unit {
                    if let id = handoff["id"].stringValue,
                       (try? await node.request("POST", "/api/handoffs/\(id)/accept", token: session(nodeName)))?.status == 200 {
                        note("transfer accepted")
                    }
                }
            }
            try? await Task.sleep(nanoseconds: 300_000_000)
        }
    }

    /// One sync cycle at every node, leaves first (up), then mid-tier and leaves again (down).
    func syncEverywhere() async {
        for name in ["D1", "M", "A", "M", "D1"] {
            _ = try? await province.nodes[name]!.request("POST", "/api/sync/now", token: session(name))
        }
    }

    /// True when nothing is waiting anywhere, every transfer is delivered at the hub and
    /// every acknowledged dossier is there.
    func quiet() async throws -> Bool {
        for name in ["A", "M", "D1"] {
            let status = try await province.nodes[name]!.request("GET", "/api/sync/status", token: session(name)).json
            guard status["pending_changes"].numberValue == 0, status["state"] == "ok" else {
                locked { lastWaitReason = "\(name): \(status)" }
                return false
            }
        }
        let hub = province.hub
        for (id, _) in locked({ transfers }) {
            let state = try await hub.request("GET", "/api/handoffs/\(id)", token: session("hub")).json["state"].stringValue
            guard state == "delivered" else {
                locked { lastWaitReason = "transfer \(id) is \(state ?? "unknown") at the hub" }
                return false
            }
        }
        return true
    }

    /// Stops every process and checks the replicas file by file.
    func verify(tag: String) async throws {
        let (acked, maybe, moved) = locked { (acknowledged, uncertain, transfers) }
        province.stopAll()
        let nodes = province.nodes
        let path = { (name: String) in nodes[name]!.directory + "/hoso.sqlite" }
        let hub = try NodeStore(path: path("hub"))
        let cli = Principal.commandLine("test")
        let units = province.units
        // Every acknowledged write is at the hub: the dossier, in its unit, with the last
        // acknowledged phone (or a later one whose answer was lost).
        for (id, expected) in acked {
            let row = try? hub.dossier(cli, id: id)
            #expect(row != nil, "acknowledged dossier \(id) missing at the hub (\(tag))")
            guard let row else { continue }
            #expect(row["unit_id"]?.stringValue == expected.unit, "\(id) in the wrong unit (\(tag))")
            let phone = row["phone"]?.stringValue
            let allowed = Set([expected.phone].compactMap { $0 }).union(maybe[id] ?? [])
            #expect(phone == expected.phone || (phone.map(allowed.contains) ?? false), "\(id): phone \(phone ?? "nil"), acknowledged \(expected.phone ?? "nil") (\(tag))")
        }
        for (id, person) in moved {
            let handoff = try hub.handoff(cli, id: id)
            #expect(handoff.steps.map(\.kind) == ["request", "prepare", "accept", "commit", "deliver"], "transfer \(id) of \(person) (\(tag))")
        }
        // Every node holds exactly the hub's version of every dossier it serves.
        let served = ["A": ["A"], "M": ["D", "D1"], "D1": ["D1"]]
        for (name, codes) in served {
            let store = try NodeStore(path: path(name))
            #expect(try store.dossierDigests() == hub.dossierDigests(units: Set(codes.map { units[$0]! })), "\(name) converged with the hub (\(tag))")
            #expect(try store.integrityCheck() == ["ok"], "\(name) integrity (\(tag))")
            #expect(try store.quarantined(cli, status: nil).isEmpty, "nothing quarantined at \(name): the workload wrote only what each node owns (\(tag))")
            #expect(try store.conflicts(cli, status: nil).isEmpty, "no conflict at \(name): only owners write (\(tag))")
        }
        #expect(try hub.integrityCheck() == ["ok"])
        #expect(try hub.quarantined(cli, status: nil).isEmpty, "nothing quarantined at the hub (\(tag))")
        #expect(try hub.conflicts(cli, status: nil).isEmpty, "no conflict at the hub (\(tag))")
        // Back up for the next round.
        for node in province.nodes.values { try await node.start() }
        try await province.refreshAdmin()
        setSession("hub", province.admin)
    }
}
