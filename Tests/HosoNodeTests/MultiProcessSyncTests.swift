import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// A hub and two nodes as separate `hoso` processes over loopback HTTP, set up with the
/// command line exactly as an operator would, then killed with SIGKILL at awkward moments.
@Suite(.serialized) struct MultiProcessSyncTests {
    let password = "matkhau-2026"

    func cli(_ arguments: [String], input: String? = nil) throws -> String { try HosoBinary.check(arguments, input: input) }

    @Test func aProvinceOfProcessesSyncsSurvivesKillsAndConverges() async throws {
        let root = NSTemporaryDirectory() + "hoso-mp-" + UUID().uuidString
        defer { if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } else { print("kept \(root)") } }
        let hub = ProcessNode(name: "hub", directory: root + "/hub", port: ProcessNode.freePort())
        _ = try cli(["init", "--data", hub.directory, "--name", "Sở Nội vụ", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
        _ = try cli(["admin-create", "--data", hub.directory, "--username", "admin"], input: password + "\n")
        try await hub.start()
        let admin = try await hub.login("admin", password: password)
        let units = try await hub.request("GET", "/api/units", token: admin).json.arrayValue ?? []
        let root0 = try #require(units.first?["id"].stringValue)
        var unitIDs: [String: String] = [:]
        for code in ["A", "B"] {
            let created = try await hub.request("POST", "/api/units", json: ["code": .string(code), "name": .string("Sở \(code)"), "parent_id": .string(root0)], token: admin)
            #expect(created.status == 201)
            unitIDs[code] = created.json["id"].stringValue
        }
        for code in ["A", "B"] {
            let made = try await hub.request("POST", "/api/users", json: ["username": .string("hr.\(code.lowercased())"), "full_name": "Cán bộ tổ chức",
                                                                    "password": .string(password), "role": "hr", "unit_id": .string(unitIDs[code]!)], token: admin)
            #expect(made.status == 201, "\(made.json)")
        }

        // Enrol two nodes with the command line, as the hub's operator would.
        var nodes: [String: ProcessNode] = [:]
        for code in ["A", "B"] {
            let enrolled = try JSONValue.parse(try cli(["hub", "enroll", "--data", hub.directory, "--name", "Nút \(code)", "--units", code, "--json"]))
            let token = try #require(enrolled["token"].stringValue)
            let node = ProcessNode(name: code, directory: root + "/\(code)", port: ProcessNode.freePort())
            _ = try cli(["init", "--data", node.directory, "--name", "Nút \(code)", "--parent", hub.baseURL, "--token", token,
                         "--port", String(node.port), "--sync-interval", "1"])
            try await node.start()
            nodes[code] = node
        }
        let a = nodes["A"]!, b = nodes["B"]!
        // The unit's HR account arrives with the first sync and works at its own node;
        // its first act is the password change an admin-created account must make.
        let newPassword = password + "-moi"
        func firstLogin(_ node: ProcessNode, _ user: String) async throws -> String {
            let token = try await node.login(user, password: password)
            let changed = try await node.request("POST", "/api/session/password",
                                                 json: ["current_password": .string(password), "new_password": .string(newPassword)], token: token)
            #expect(changed.status == 204, "\(changed.json)")
            return token
        }
        let hrA = try await firstLogin(a, "hr.a")
        let hrB = try await firstLogin(b, "hr.b")

        func create(_ node: ProcessNode, _ token: String, _ name: String, unit: String) async throws -> String? {
            let answer = try await node.request("POST", "/api/dossiers", json: .object(TestTopology.person(name, unit: unitIDs[unit]!)), token: token)
            if answer.status != 201 { print("create at \(node.name): \(answer.status) \(answer.json)") }
            return answer.status == 201 ? answer.json["id"].stringValue : nil
        }
        func present(_ node: ProcessNode, _ token: String, _ id: String) async throws -> Bool {
            try await node.request("GET", "/api/dossiers/\(id)", token: token).status == 200
        }

        // A write at a node reaches the hub by itself (the loop syncs after local writes).
        let first = try #require(try await create(a, hrA, "Nguyễn Văn Một", unit: "A"))
        #expect(await eventually { try await present(hub, admin, first) }, "node → hub")
        // And the hub's write reaches the node.
        let fromHub = try #require(try await create(hub, admin, "Trần Thị Hai", unit: "A"))
        #expect(await eventually { try await present(a, hrA, fromHub) }, "hub → node")
        // `hoso status` on the running hub's directory: both nodes, healthy.
        let statusRun = try HosoBinary.run(["status", "--data", hub.directory, "--json"])
        #expect(statusRun.status == 0, "\(statusRun.stderr)")
        let status = try JSONValue.parse(statusRun.stdout)
        #expect(status["sync"]["state"] == "standalone")
        #expect(status["tree"]["nodes"].arrayValue?.compactMap { $0["health"].stringValue } == ["ok", "ok"])
        let human = try HosoBinary.run(["status", "--data", hub.directory]).stdout
        #expect(human.contains("Nodes below: 2 (2 ok, 0 lagging, 0 offline, 0 error)"), "\(human)")
        let atNode = try HosoBinary.run(["status", "--data", a.directory]).stdout
        #expect(atNode.contains("Sync: ok") && atNode.contains("No nodes below this one."), "\(atNode)")
        #expect(try await b.request("GET", "/api/dossiers/\(fromHub)", token: hrB).status == 404, "B never receives A's dossiers")

        // The hub dies: node A keeps working offline and says so.
        hub.kill9()
        let offline = try #require(try await create(a, hrA, "Lê Văn Ba", unit: "A"))
        #expect(await eventually { try await a.request("GET", "/api/sync/status", token: hrA).json["state"] == "offline" })
        let waiting = try await a.request("GET", "/api/sync/status", token: hrA).json
        #expect((waiting["pending_changes"].numberValue ?? 0) >= 1)

        // Node A is killed in the middle of a burst of writes; every acknowledged write survives.
        var acknowledged: [String] = [offline]
        let unitA = unitIDs["A"]!
        let burst = Task { @Sendable () -> [String] in
            var ids: [String] = []
            for i in 0..<200 {
                guard let answer = try? await a.request("POST", "/api/dossiers", json: .object(TestTopology.person("Người \(i)", unit: unitA)), token: hrA),
                      answer.status == 201, let id = answer.json["id"].stringValue else { break }
                ids.append(id)
            }
            return ids
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        a.kill9()
        acknowledged += await burst.value
        #expect(acknowledged.count > 1)
        try await hub.start()
        try await a.start()
        let hrA2 = try await a.login("hr.a", password: newPassword)
        _ = try await a.request("POST", "/api/sync/now", token: hrA2)
        let reachable = await eventually(seconds: 60) {
            let page = try await hub.request("GET", "/api/dossiers?unit_id=\(unitIDs["A"]!)&per_page=200", token: admin).json
            let ids = Set(page["items"].arrayValue?.compactMap { $0["id"].stringValue } ?? [])
            return Set(acknowledged).isSubset(of: ids)
        }
        #expect(reachable, "every write acknowledged by node A reached the hub")

        // Settle, stop everything, and compare the replicas file by file.
        for node in [a, b] { _ = try await node.request("POST", "/api/sync/now", token: node === a ? hrA2 : hrB) }
        _ = try await a.request("POST", "/api/sync/now", token: hrA2)
        for node in [a, b, hub] { node.stop() }
        let hubStore = try NodeStore(path: hub.directory + "/hoso.sqlite")
        for (code, node) in nodes {
            let store = try NodeStore(path: node.directory + "/hoso.sqlite")
            #expect(try store.dossierDigests() == hubStore.dossierDigests(units: [unitIDs[code]!]), "\(code) converged with the hub")
            #expect(try store.integrityCheck() == ["ok"])
        }
        #expect(try hubStore.integrityCheck() == ["ok"])
        #expect(try cli(["hub", "nodes", "--data", hub.directory]).contains("active"))
        // The password changed at node A replicated up: the hub accepts the new one.
        try await hub.start()
        #expect(try await hub.request("POST", "/api/session", json: ["username": "hr.a", "password": .string(newPassword)]).status == 200)
        // A search by name puts the name only in the query string, which is not logged.
        let adminAgain = try await hub.login("admin", password: password)
        _ = try await hub.request("GET", "/api/dossiers?q=" + "Nguyễn Văn Một".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!, token: adminAgain)
        hub.stop()

        // The logs: one logfmt event per line, requests with their id, no dossier values.
        for node in [hub, a, b] {
            let text = try String(contentsOfFile: node.directory + "/test.log", encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("event=request") && $0.contains("request_id=") }, "\(node.name) logs its requests")
            // (The file also holds standard output, where `serve` prints one banner line for the operator.)
            for line in lines where !line.hasPrefix("hoso node '") {
                #expect(line.hasPrefix("ts=") && line.contains(" level=") && line.contains(" component=") && line.contains(" event="), "\(node.name): \(line)")
                for secret in ["Nguyễn Văn Một", "Trần Thị Hai", "Nguyen Van Mot", "Nguy%E1%BB%85n", newPassword, password] {
                    #expect(!line.contains(secret), "\(node.name) logged \(secret): \(line)")
                }
            }
        }
    }
}
