import Foundation
import HosoDomain

/// A province of `hoso serve` processes set up with the command line as an operator would:
/// a hub, units and accounts made over its API, nodes enrolled under the hub or under a
/// mid-tier node, each optionally behind a `FaultProxy` to its parent. For fault tests.
public final class ProcessProvince: @unchecked Sendable {
    // @unchecked: built and mutated by the one test that owns it, before its tasks start.
    public let root: String
    public let hub: ProcessNode
    public let password: String
    /// Unit code → id.
    public private(set) var units: [String: String] = [:]
    /// Nodes by name (the hub is `hub`).
    public private(set) var nodes: [String: ProcessNode] = [:]
    /// A node's parent (by name).
    public private(set) var parents: [String: String] = [:]
    /// The proxy in front of a node's parent, by the node's name.
    public private(set) var proxies: [String: FaultProxy] = [:]
    /// The hub's admin session.
    public private(set) var admin = ""

    /// Creates the hub (root unit `P`) with an `admin` account and starts it.
    public init(root: String, password: String = "matkhau-2026") async throws {
        self.root = root
        self.password = password
        hub = ProcessNode(name: "hub", directory: root + "/hub", port: ProcessNode.freePort())
        nodes["hub"] = hub
        _ = try HosoBinary.check(["init", "--data", hub.directory, "--name", "Sở Nội vụ", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
        _ = try HosoBinary.check(["admin-create", "--data", hub.directory, "--username", "admin"], input: password + "\n")
        try await hub.start()
        admin = try await hub.login("admin", password: password)
        units["P"] = try await hub.request("GET", "/api/units", token: admin).json.arrayValue?.first?["id"].stringValue
    }

    /// Logs the hub's admin in again (after the hub was killed and restarted, say).
    public func refreshAdmin() async throws { admin = try await hub.login("admin", password: password) }

    /// Creates a unit under `parent` (a code) at the hub.
    public func addUnit(_ code: String, name: String, parent: String = "P") async throws {
        let created = try await hub.request("POST", "/api/units", json: ["code": .string(code), "name": .string(name), "parent_id": .string(units[parent]!)], token: admin)
        guard created.status == 201, let id = created.json["id"].stringValue else { throw ProcessNodeError("unit \(code): \(created.status) \(created.json)") }
        units[code] = id
    }

    /// Creates an account at the hub (it replicates to the nodes that serve its unit).
    public func addUser(_ username: String, role: String, unit: String) async throws {
        let made = try await hub.request("POST", "/api/users", json: ["username": .string(username), "full_name": "Cán bộ tổ chức", "password": .string(password),
                                                                    "role": .string(role), "unit_id": .string(units[unit]!)], token: admin)
        guard made.status == 201 else { throw ProcessNodeError("user \(username): \(made.status) \(made.json)") }
    }

    /// Enrols a node for `unitCodes` under `parent` (the hub or a node already added), puts
    /// a `FaultProxy` between them when `proxySeed` is given, and starts it. The node retries
    /// its parent at least every `maxRetry` seconds, so a test's healing is quick.
    @discardableResult
    public func addNode(_ name: String, units unitCodes: [String], parent parentName: String = "hub", proxySeed: UInt64? = nil,
                        maxRetry: Double = 3, prepareDirectory: ((String) throws -> Void)? = nil) async throws -> ProcessNode {
        let parent = nodes[parentName]!
        // A mid-tier node enrols units it has received from the hub: wait for them.
        var token: String?
        for _ in 0..<300 {
            let run = try HosoBinary.run(["hub", "enroll", "--data", parent.directory, "--name", "Nút \(name)", "--units", unitCodes.joined(separator: ","), "--json"])
            if run.status == 0 { token = try JSONValue.parse(run.stdout)["token"].stringValue; break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        guard let token else { throw ProcessNodeError("cannot enrol \(name) under \(parentName)") }
        var parentURL = parent.baseURL
        if let proxySeed {
            let proxy = try FaultProxy(upstreamPort: parent.port, seed: proxySeed, logPath: root + "/proxy-\(name).log")
            proxies[name] = proxy
            parentURL = proxy.url
        }
        let node = ProcessNode(name: name, directory: root + "/" + name, port: ProcessNode.freePort())
        try prepareDirectory?(node.directory)
        _ = try HosoBinary.check(["init", "--data", node.directory, "--name", "Nút \(name)", "--parent", parentURL, "--token", token,
                                  "--port", String(node.port), "--sync-interval", "1"])
        try Self.editConfiguration(node.directory) { config in
            var sync = config["sync"]?.objectValue ?? [:]
            sync["max_retry_seconds"] = .number(maxRetry)
            config["sync"] = .object(sync)
        }
        try await node.start()
        nodes[name] = node
        parents[name] = parentName
        return node
    }

    /// Rewrites `DIR/node.json`.
    public static func editConfiguration(_ directory: String, _ edit: (inout JSONObject) -> Void) throws {
        let path = directory + "/node.json"
        guard var config = try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8)).objectValue else { throw ProcessNodeError("node.json") }
        edit(&config)
        try JSONValue.object(config).jsonString().write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Logs `username` in at `node` and makes the first-login password change; returns the session.
    public func firstLogin(_ username: String, at node: ProcessNode, newPassword: String) async throws -> String {
        let token = try await node.login(username, password: password)
        let changed = try await node.request("POST", "/api/session/password", json: ["current_password": .string(password), "new_password": .string(newPassword)], token: token)
        guard changed.status == 204 else { throw ProcessNodeError("password change of \(username): \(changed.status) \(changed.json)") }
        return token
    }

    /// Stops every process and proxy.
    public func stopAll() {
        for proxy in proxies.values { proxy.stop() }
        for node in nodes.values { node.stop() }
    }

    /// Removes the directory unless `HOSO_KEEP` is set (then prints where it is).
    public func cleanUp() {
        stopAll()
        if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } else { print("kept \(root)") }
    }
}
