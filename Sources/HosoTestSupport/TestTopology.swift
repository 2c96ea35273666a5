import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication

/// One replica of a test topology: its store, its router and, below the hub, its sync
/// client towards its parent over an in-memory transport.
public final class TopologyNode: @unchecked Sendable {
    // @unchecked: fields are set once in init; the store, router and client are Sendable.
    public let name: String
    public let path: String
    public let store: NodeStore
    public let router: Router
    public let sync: SyncClient?
    /// The line to the parent (cut it with `connected = false`).
    public let line: InMemorySyncTransport?
    /// The token this node was enrolled with.
    public let credential: String?
    /// Depth in the node tree (the hub is 0).
    public let depth: Int

    init(name: String, path: String, store: NodeStore, sync: SyncClient?, line: InMemorySyncTransport?, credential: String?, depth: Int) {
        self.name = name
        self.depth = depth
        self.path = path
        self.store = store
        self.sync = sync
        self.line = line
        self.credential = credential
        var policy = SessionPolicy()
        policy.hashCost = 1
        router = NodeAPI(store: store, policy: policy, name: name, sync: sync, log: Log(component: name, level: .error)).makeRouter()
    }

    /// Runs one sync cycle with the parent.
    @discardableResult
    public func syncOnce() async throws -> SyncCycleReport {
        guard let sync else { return SyncCycleReport() }
        return try await sync.syncOnce()
    }
}

/// A hub and enrolled nodes in one process, connected by in-memory transports: the same
/// requests and handlers as over HTTP, no sockets. The hub holds a units tree
/// (P → A → A1, A2; P → B; P → C → C1, C2; P → D) and an admin account.
public final class TestTopology: @unchecked Sendable {
    // @unchecked: `nodes` is only mutated while the test builds the topology.
    public let directory: String
    public private(set) var hub: TopologyNode
    public private(set) var nodes: [String: TopologyNode] = [:]
    /// Unit ids by code.
    public let units: [String: String]
    public static let password = "matkhau123"

    public init() throws {
        directory = NSTemporaryDirectory() + "hoso-topology-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try NodeStore(path: directory + "/hub.sqlite")
        hub = TopologyNode(name: "hub", path: directory + "/hub.sqlite", store: store, sync: nil, line: nil, credential: nil, depth: 0)
        let cli = Principal.commandLine("test")
        var ids: [String: String] = [:]
        for (code, parent) in [("P", nil), ("A", "P"), ("A1", "A"), ("A2", "A"), ("B", "P"), ("C", "P"), ("C1", "C"), ("C2", "C"), ("D", "P")] as [(String, String?)] {
            ids[code] = try store.createUnit(cli, UnitInput(code: code, name: "Đơn vị \(code)", parent_id: parent.flatMap { ids[$0] })).id
        }
        units = ids
        _ = try store.createUser(cli, UserInput(username: "admin", full_name: "Quản trị", password: Self.password, role: .admin), hashCost: 1)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Enrols a node serving `unitCodes` under `parent` (the hub by default), creates its
    /// replica and its sync client (background loop off: tests drive cycles).
    @discardableResult
    public func addNode(_ name: String, units unitCodes: [String], parent: TopologyNode? = nil, batchSize: Int = 1_000) throws -> TopologyNode {
        let parent = parent ?? hub
        let (nodeID, token) = try parent.store.enrollChild(.commandLine("test"), name: name, unitIDs: unitCodes.compactMap { units[$0] }, selfName: parent.name)
        let path = directory + "/\(name).sqlite"
        let store = try NodeStore(path: path, nodeID: nodeID, seedCatalogues: false)
        let line = InMemorySyncTransport(parent: parent.router)
        var settings = SyncSettings(parent_url: "memory://\(parent.name)", credential: token, enabled: false)
        settings.batch_size = batchSize
        let client = SyncClient(store: store, settings: settings, transport: line, log: Log(component: name, level: .error))
        let node = TopologyNode(name: name, path: path, store: store, sync: client, line: line, credential: token, depth: parent.depth + 1)
        nodes[name] = node
        return node
    }

    /// A node by name.
    public subscript(name: String) -> TopologyNode { nodes[name]! }

    /// Reopens a node's replica from its file, as after a process restart, and rewires
    /// its children's lines to the new instance.
    @discardableResult
    public func restart(_ name: String) throws -> TopologyNode {
        let old = name == "hub" ? hub : nodes[name]!
        let store = try NodeStore(path: old.path)
        let client = old.sync.map { SyncClient(store: store, settings: $0.settings, transport: old.line!, log: Log(component: name, level: .error)) }
        let node = TopologyNode(name: name, path: old.path, store: store, sync: client, line: old.line, credential: old.credential, depth: old.depth)
        if name == "hub" { hub = node } else { nodes[name] = node }
        for child in nodes.values where child.line?.router === old.router { child.line?.router = node.router }
        return node
    }

    /// Sends one raw sync request to `parent` (the hub by default) with a credential,
    /// as a forged or replayed request would arrive.
    public func raw(_ path: String, _ body: JSONValue, credential: String?, parent: TopologyNode? = nil) async -> (status: Int, json: JSONValue) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let credential { headers.add(name: "Authorization", value: "HosoNode \(credential)") }
        let request = HTTPRequest(method: .post, target: path, headers: headers, body: Array(body.jsonString().utf8))
        let response = await (parent ?? hub).router.respond(to: request)
        return (response.status.code, response.json)
    }

    /// Syncs every node (children before parents' parents, then again top-down) until a
    /// whole round moves nothing, at most `rounds` rounds. Nodes with a cut line are skipped.
    public func settle(rounds: Int = 6) async throws {
        for _ in 0..<rounds {
            var moved = 0
            for node in nodes.values.sorted(by: { $0.depth > $1.depth || ($0.depth == $1.depth && $0.name < $1.name) }) where node.line?.connected != false {
                let report = try await node.syncOnce()
                moved += report.push.sent + report.pull.received
            }
            if moved == 0 { return }
        }
    }

    /// A minimal valid person body.
    public static func person(_ name: String, unit: String, sex: String = "1", birth: String = "1985-04-12") -> JSONObject {
        ["unit_id": .string(unit), "full_name": .string(name), "birth_date": .string(birth), "sex": .string(sex)]
    }
}
