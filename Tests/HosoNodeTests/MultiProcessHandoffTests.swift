import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// A transfer between two nodes' units across real processes, with `kill -9` of the
/// sending node, the hub and the receiving node between its steps.
@Suite(.serialized) struct MultiProcessHandoffTests {
    let password = "matkhau-2026"

    func cli(_ arguments: [String], input: String? = nil) throws -> String { try HosoBinary.check(arguments, input: input) }

    @Test func aTransferSurvivesKillsOfEveryParty() async throws {
        let root = NSTemporaryDirectory() + "hoso-mph-" + UUID().uuidString
        defer { if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } }
        let hub = ProcessNode(name: "hub", directory: root + "/hub", port: ProcessNode.freePort())
        _ = try cli(["init", "--data", hub.directory, "--name", "Sở Nội vụ", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
        _ = try cli(["admin-create", "--data", hub.directory, "--username", "admin"], input: password + "\n")
        try await hub.start()
        let admin = try await hub.login("admin", password: password)
        let rootUnit = try #require(try await hub.request("GET", "/api/units", token: admin).json.arrayValue?.first?["id"].stringValue)
        var units: [String: String] = [:]
        for code in ["A", "B"] {
            units[code] = try await hub.request("POST", "/api/units", json: ["code": .string(code), "name": .string("Sở \(code)"), "parent_id": .string(rootUnit)],
                                                token: admin).json["id"].stringValue
        }
        var nodes: [String: ProcessNode] = [:]
        for code in ["A", "B"] {
            let token = try #require(try JSONValue.parse(try cli(["hub", "enroll", "--data", hub.directory, "--name", "Nút \(code)", "--units", code, "--json"]))["token"].stringValue)
            let node = ProcessNode(name: code, directory: root + "/\(code)", port: ProcessNode.freePort())
            _ = try cli(["init", "--data", node.directory, "--name", "Nút \(code)", "--parent", hub.baseURL, "--token", token,
                         "--port", String(node.port), "--sync-interval", "1"])
            try await node.start()
            nodes[code] = node
        }
        let a = nodes["A"]!, b = nodes["B"]!
        let person = try #require(try await hub.request("POST", "/api/dossiers", json: .object(TestTopology.person("Hà Văn Chuyển", unit: units["A"]!)),
                                                        token: admin).json["id"].stringValue)
        // The node's operator uses the command line on the node's own data directory
        // while it serves (SQLite WAL lets both in); the running node takes the automatic steps.
        #expect(await eventually { try HosoBinary.run(["handoff", "list", "--data", a.directory]).status == 0
            && (try NodeStore(path: a.directory + "/hoso.sqlite").dossierDigests()[person]) != nil })
        let requested = try JSONValue.parse(try cli(["handoff", "request", "--data", a.directory, "--person", person, "--to", "B",
                                                      "--decision-no", "9/QĐ", "--effective-date", "2026-12-01", "--json"]))
        let handoff = try #require(requested["id"].stringValue)
        #expect(requested["state"] == "prepared")

        func state(_ node: ProcessNode, _ token: String) async throws -> String? {
            try await node.request("GET", "/api/handoffs/\(handoff)", token: token).json["state"].stringValue
        }
        // kill -9 the sending node right after it prepared; it restarts and sends the steps.
        a.kill9()
        try await a.start()
        #expect(await eventually { try await state(hub, admin) == "prepared" }, "the prepare reached the hub across A's crash")

        // The receiving unit answers from its node; then the hub is killed before it could commit (or right after).
        #expect(await eventually { try JSONValue.parse(try cli(["handoff", "list", "--data", b.directory, "--direction", "in", "--json"])).arrayValue?.count == 1 })
        _ = try cli(["handoff", "accept", "--data", b.directory, "--id", handoff])
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_500_000_000))
        hub.kill9()
        try await hub.start()
        let admin2 = try await hub.login("admin", password: password)
        // The receiving node is killed while the commit and the dossier travel to it.
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_500_000_000))
        b.kill9()
        try await b.start()
        #expect(await eventually(seconds: 60) { try await state(hub, admin2) == "delivered" }, "the handoff completes")

        #expect(await eventually { try JSONValue.parse(try cli(["handoff", "show", "--data", a.directory, "--id", handoff, "--json"]))["state"] == "delivered" })

        // Back again, requested by the superior body (the hub's admin) over HTTP; the
        // sending node B is killed while it learns of the request and prepares, the hub
        // once more around the commit, and A (receiving now) around the delivery.
        let back = try await hub.request("POST", "/api/handoffs", json: ["person_id": .string(person), "to_unit_id": .string(units["A"]!),
                                                                          "event_type": "thuyen_chuyen", "decision_no": "10/QĐ"], token: admin2)
        #expect(back.status == 201 && back.json["state"] == "requested", "waits for B to prepare: \(back.json)")
        let second = try #require(back.json["id"].stringValue)
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...2_000_000_000))
        b.kill9()
        try await b.start()
        #expect(await eventually { try JSONValue.parse(try cli(["handoff", "show", "--data", a.directory, "--id", second, "--json"]))["state"] == "prepared" })
        _ = try cli(["handoff", "accept", "--data", a.directory, "--id", second])
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_500_000_000))
        hub.kill9()
        try await hub.start()
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_500_000_000))
        a.kill9()
        try await a.start()
        let admin3 = try await hub.login("admin", password: password)
        #expect(await eventually(seconds: 60) {
            try await hub.request("GET", "/api/handoffs/\(second)", token: admin3).json["state"] == "delivered"
        }, "the transfer back completes")
        #expect(await eventually { try JSONValue.parse(try cli(["handoff", "show", "--data", b.directory, "--id", second, "--json"]))["state"] == "delivered" })

        // One end state everywhere, the dossier owned by A again, every file sound.
        for node in [a, b, hub] { node.stop() }
        let hubStore = try NodeStore(path: hub.directory + "/hoso.sqlite")
        let bStore = try NodeStore(path: b.directory + "/hoso.sqlite")
        let aStore = try NodeStore(path: a.directory + "/hoso.sqlite")
        let cliPrincipal = Principal.commandLine("test")
        #expect(try hubStore.dossier(cliPrincipal, id: person)["unit_id"]?.stringValue == units["A"])
        #expect(try aStore.dossierDigests()[person] == (try hubStore.dossierDigests()[person]))
        #expect(try bStore.dossierDigests()[person] == nil, "B keeps only a read-only copy, outside its digest")
        for id in [handoff, second] {
            #expect(try hubStore.handoff(cliPrincipal, id: id).steps.map(\.kind) == ["request", "prepare", "accept", "commit", "deliver"])
        }
        // Both moves are in the work history, once each.
        let moves = try hubStore.dossier(cliPrincipal, id: person)["work_history"]?.arrayValue?.compactMap { $0["decision_no"].stringValue } ?? []
        #expect(moves.sorted() == ["10/QĐ", "9/QĐ"])
        for store in [hubStore, bStore, aStore] { #expect(try store.integrityCheck() == ["ok"]) }
    }
}
