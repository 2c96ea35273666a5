import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// The web UI in a real browser: a hub and two nodes as processes, driven by
/// `Tests/e2e/browser_test.py` (selenium + headless Chromium, installed by `.ci/run`).
/// Screenshots land in `artifacts/browser/`. Without Chromium the test fails and says
/// what to install; `HOSO_SKIP_BROWSER=1` skips it knowingly.
@Suite(.serialized) struct BrowserTests {
    let password = "matkhau-2026"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func cli(_ arguments: [String], input: String? = nil) throws -> String { try HosoBinary.check(arguments, input: input) }

    static func firstExisting(_ paths: [String]) -> String? { paths.first { FileManager.default.isExecutableFile(atPath: $0) } }

    @Test func everyRoleUsesTheWebUIAcrossTwoNodes() async throws {
        if ProcessInfo.processInfo.environment["HOSO_SKIP_BROWSER"] == "1" { print("browser tests skipped (HOSO_SKIP_BROWSER=1)"); return }
        let chromium = Self.firstExisting(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"])
        let driver = Self.firstExisting(["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
        let selenium = try HosoBinary.runTool("/usr/bin/env", ["python3", "-c", "import selenium"])
        guard let chromium, let driver, selenium.status == 0 else {
            Issue.record("The browser tests need chromium, chromium-driver (apt) and selenium (pip); .ci/run installs them. Set HOSO_SKIP_BROWSER=1 to skip.")
            return
        }
        let root = NSTemporaryDirectory() + "hoso-ui-" + UUID().uuidString
        defer { if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } }
        let hub = ProcessNode(name: "hub", directory: root + "/hub", port: ProcessNode.freePort())
        _ = try cli(["init", "--data", hub.directory, "--name", "Sở Nội vụ", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
        _ = try cli(["admin-create", "--data", hub.directory, "--username", "admin"], input: password + "\n")
        try await hub.start()
        defer { hub.stop() }
        let admin = try await hub.login("admin", password: password)

        let province = try #require(try await hub.request("GET", "/api/units", token: admin).json.arrayValue?.first?["id"].stringValue)
        var units: [String: String] = [:]
        for (code, name, parent) in [("A", "Sở Tài chính", "P"), ("A1", "Phòng Ngân sách", "A"), ("B", "Sở Y tế", "P")] {
            let parentID = parent == "P" ? province : units[parent]!
            units[code] = try await hub.request("POST", "/api/units", json: ["code": .string(code), "name": .string(name), "parent_id": .string(parentID)],
                                                token: admin).json["id"].stringValue
        }
        let staffName = "Trần Văn Công"
        let staffPerson = try #require(try await hub.request("POST", "/api/dossiers", json: .object(TestTopology.person(staffName, unit: units["A1"]!)),
                                                             token: admin).json["id"].stringValue)
        let otherPerson = try #require(try await hub.request("POST", "/api/dossiers", json: .object(TestTopology.person("Phạm Thị Khác", unit: units["A1"]!)),
                                                             token: admin).json["id"].stringValue)
        let accounts: [(String, String, String?, String?)] = [
            ("tccb.a", "hr", units["A"], nil), ("thutruong.a", "head", units["A"], nil), ("canbo.a", "staff", units["A1"], staffPerson),
            ("tccb.b", "hr", units["B"], nil), ("lanhdao", "leader", nil, nil), ("tccb2.a", "hr", units["A"], nil),
        ]
        var users: JSONObject = ["admin": ["password": .string(password)]]
        for (username, role, unit, person) in accounts {
            var body: JSONObject = ["username": .string(username), "full_name": .string("Người dùng \(username)"), "role": .string(role),
                                    "password": .string(password)]
            if let unit { body["unit_id"] = .string(unit) }
            if let person { body["person_id"] = .string(person) }
            let created = try await hub.request("POST", "/api/users", json: .object(body), token: admin)
            #expect(created.status == 201, "\(username): \(created.json)")
            users[username] = ["password": .string(username == "tccb2.a" ? "doi-mat-khau-2026" : password)]
        }
        var nodes: [String: ProcessNode] = [:]
        for code in ["A", "B"] {
            let token = try #require(try JSONValue.parse(try cli(["hub", "enroll", "--data", hub.directory, "--name", "Nút \(code)", "--units", code, "--json"]))["token"].stringValue)
            let node = ProcessNode(name: code, directory: root + "/\(code)", port: ProcessNode.freePort())
            _ = try cli(["init", "--data", node.directory, "--name", code == "A" ? "Sở Tài chính" : "Sở Y tế", "--parent", hub.baseURL, "--token", token,
                         "--port", String(node.port), "--sync-interval", "1"])
            try await node.start()
            nodes[code] = node
        }
        defer { for node in nodes.values { node.stop() } }
        // The accounts reach their nodes with the first sync.
        #expect(await eventually(seconds: 60) { (try? await nodes["A"]!.login("canbo.a", password: password, attempts: 1)) != nil })
        #expect(await eventually(seconds: 60) { (try? await nodes["B"]!.login("tccb.b", password: password, attempts: 1)) != nil })

        // A conflict for the sync page: the hub's administrator and unit A edit the same
        // dossier while A is cut off; A's version (the owner's) wins, the hub's is kept.
        let a = nodes["A"]!
        a.stop()
        #expect(try await hub.request("PATCH", "/api/dossiers/\(otherPerson)", json: ["phone": "0922 222 222"], token: admin).status == 200)
        try await a.start(extra: ["--no-sync"])
        let first = try await a.login("tccb2.a", password: password)
        let changed = "doi-mat-khau-2026"
        #expect(try await a.request("POST", "/api/session/password", json: ["current_password": .string(password), "new_password": .string(changed)],
                                    token: first).status < 300)
        let hr2 = try await a.login("tccb2.a", password: changed)
        #expect(try await a.request("PATCH", "/api/dossiers/\(otherPerson)", json: ["phone": "0911 111 111"], token: hr2).status == 200)
        a.stop()
        try await a.start()
        #expect(await eventually(seconds: 30) {
            try await hub.request("GET", "/api/conflicts?status=open", token: admin).json.arrayValue?.count == 1
        }, "the concurrent edits meet at the hub")

        // A package exported by another installation, for the import dialog.
        let package = root + "/package.json"
        _ = try cli(["dossier", "export", "--data", hub.directory, "--id", staffPerson, "--output", package])

        let artifacts = Self.repository + "/artifacts/browser"
        let config: JSONValue = [
            "hub": .string(hub.baseURL), "a": .string(nodes["A"]!.baseURL), "b": .string(nodes["B"]!.baseURL),
            "units": .object(units.mapValues(JSONValue.string)), "users": .object(users),
            "staff_person": .string(staffPerson), "staff_name": .string(staffName), "other_person": .string(otherPerson),
            "artifacts": .string(artifacts), "chromium": .string(chromium), "chromedriver": .string(driver),
            "hub_pid": .number(Double(hub.pid ?? 0)), "package": .string(package),
        ]
        let configPath = root + "/browser.json"
        try Array(config.jsonString().utf8).withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: configPath)) }
        let run = try HosoBinary.runTool("/usr/bin/env", ["python3", Self.repository + "/Tests/e2e/browser_test.py", configPath])
        print(run.stdout)
        #expect(run.status == 0, "browser test failed:\n\(run.stdout)\n\(run.stderr)")
    }
}
