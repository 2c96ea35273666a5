import Dispatch
import Foundation
import HosoDomain
import HosoNode
import HosoReplication

extension Commands {
    /// `hoso hub ...`: managing the nodes below this one.
    static let hub = Command(group: "hub", abstract: "Manage the nodes enrolled under this node (the provincial hub, or a mid-tier node).",
                             subcommands: [enroll, nodes, retire])

    static let enroll = Command(
        "enroll", abstract: "Enrol a node that serves some units, and print its one-time credential.",
        discussion: """
            The node will be authoritative for the units given and everything below them. Run the printed `hoso init` \
            command on the node's machine. With --replace, the old node (e.g. one refused for an identity conflict, or \
            restored from an old backup) is retired first and the new one serves its units.
            """,
        options: [
            dataOption,
            .option("name", "name", help: "Display name of the node (e.g. \"Sở Tài chính\")."),
            .option("units", "codes", help: "Comma-separated codes of the units the node serves (e.g. DT.STC)."),
            .option("replace", "node-id", help: "Retire this node and enrol a new one for its units."),
            .option("url", "url", help: "This node's URL as the new node will reach it (printed in the init command).", default: "http://<địa chỉ nút cha>:8700"),
            .flag("json", help: "Print the result as JSON."),
        ]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let store = try NodeStore(path: dir.databasePath)
        let actor = Principal.commandLine("hub enroll")
        let units = try store.units(actor)
        var name = o.value("name")
        var unitIDs: [String] = []
        if let old = o.value("replace") {
            guard let previous = try store.children().first(where: { $0.node_id == old }) else {
                throw UsageError(message: "no enrolled node \(old) (see `hoso hub nodes`)", command: "hub enroll")
            }
            try store.retireChild(actor, nodeID: old)
            name = name ?? previous.name
            unitIDs = previous.units
        }
        if let codes = o.value("units") {
            unitIDs = []
            for code in codes.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !code.isEmpty {
                guard let unit = units.first(where: { $0.code == code }) else {
                    throw UsageError(message: "unknown unit code '\(code)'", command: "hub enroll")
                }
                unitIDs.append(unit.id)
            }
        }
        guard let name else { throw UsageError(message: "Missing expected argument '--name <name>'", command: "hub enroll") }
        guard !unitIDs.isEmpty else { throw UsageError(message: "Missing expected argument '--units <codes>'", command: "hub enroll") }
        let (nodeID, token) = try store.enrollChild(actor, name: name, unitIDs: unitIDs, selfName: configuration.name)
        let codes = unitIDs.compactMap { id in units.first { $0.id == id }?.code }
        if o.flag("json") {
            print(JSONValue.object(["node_id": .string(nodeID), "token": .string(token), "units": .array(codes.map(JSONValue.string))]).jsonString())
        } else {
            print("""
                Enrolled node "\(name)" (id \(nodeID)), serving \(codes.joined(separator: ", ")).
                Its credential is shown only now; keep it secret. On the node's machine run:

                  hoso init --data /var/lib/hoso --name "\(name)" --parent \(o.value("url")!) --token \(token)

                """)
        }
        return 0
    }

    static let nodes = Command(
        "nodes", abstract: "List the nodes enrolled under this node with their sync state.",
        options: [dataOption, .flag("json", help: "Print JSON.")]) { o in
        let dir = DataDirectory(o.value("data")!)
        _ = try dir.loadConfiguration()
        let children = try NodeStore(path: dir.databasePath).children()
        if o.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(children), as: UTF8.self))
            return 0
        }
        if children.isEmpty { print("No nodes enrolled. Add one with `hoso hub enroll`."); return 0 }
        print("NODE".padding(toLength: 38, withPad: " ", startingAt: 0) + "NAME".padding(toLength: 28, withPad: " ", startingAt: 0)
              + "STATUS".padding(toLength: 18, withPad: " ", startingAt: 0) + "LAST CONTACT".padding(toLength: 26, withPad: " ", startingAt: 0) + "LAG UP/DOWN")
        for child in children {
            print(child.node_id.padding(toLength: 38, withPad: " ", startingAt: 0) + String(child.name.prefix(26)).padding(toLength: 28, withPad: " ", startingAt: 0)
                  + child.status.padding(toLength: 18, withPad: " ", startingAt: 0)
                  + (child.last_contact_at ?? "never").padding(toLength: 26, withPad: " ", startingAt: 0) + "\(child.lag_up)/\(child.lag_down)")
            if let error = child.last_error { print("    last error: \(error)") }
        }
        return 0
    }

    static let retire = Command(
        "retire", abstract: "Retire an enrolled node: its credential stops working and its units return to this node.",
        options: [dataOption, .option("node", "node-id", help: "The node to retire.", required: true)]) { o in
        let dir = DataDirectory(o.value("data")!)
        _ = try dir.loadConfiguration()
        try NodeStore(path: dir.databasePath).retireChild(.commandLine("hub retire"), nodeID: o.value("node")!)
        print("Retired node \(o.value("node")!).")
        return 0
    }

    static let sync = Command(
        "sync", abstract: "Sync with the parent now.",
        discussion: "If the node is serving, it is asked (SIGUSR1) to run a cycle at once; otherwise one cycle runs here and its result is printed.",
        options: [dataOption]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        guard let settings = configuration.sync else {
            throw UsageError(message: "\(dir.path) has no parent to sync with (it is a hub)", command: "sync")
        }
        let lock: ProcessLock
        do {
            lock = try ProcessLock(path: dir.lockPath)
        } catch {
            guard let text = try? String(contentsOfFile: dir.lockPath, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, SIGUSR1) == 0 else {
                throw error
            }
            print("Asked the running node (pid \(pid)) to sync now; see its status at /api/sync/status.")
            return 0
        }
        guard let url = URL(string: settings.parent_url) else { throw UsageError(message: "bad parent_url in node.json", command: "sync") }
        let store = try NodeStore(path: dir.databasePath, nodeID: settings.nodeID, seedCatalogues: false)
        let client = SyncClient(store: store, settings: settings, transport: HTTPSyncTransport(baseURL: url))
        let outcome = Blocking.run { try await client.syncOnce() }
        withExtendedLifetime(lock) {}
        switch outcome {
        case .success(let report):
            print("Synced with \(settings.parent_url): pushed \(report.push.sent) (\(report.push.rejected) rejected, \(report.push.conflicts) conflicts), pulled \(report.pull.received).")
            return 0
        case .failure(let error):
            let syncError = (error as? SyncError) ?? SyncError(.internal, "\(error)")
            FileHandle.standardError.write(Data("Error: sync failed (\(syncError.code.rawValue)): \(syncError.message)\n".utf8))
            return syncError.isRetryable ? 75 : 1   // 75 = EX_TEMPFAIL: try again later
        }
    }
}

/// Runs async work from the synchronous command line.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, Error>?
        Task.detached {
            do { result = .success(try await body()) } catch { result = .failure(error) }
            done.signal()
        }
        done.wait()
        return result!
    }
}

extension Commands {
    /// `hoso status`: the node's own sync state and every node below it with its health.
    static let status = Command(
        "status", abstract: "Print this node's sync state and the health of every node below it.",
        discussion: "Reads the data directory (works while the node serves). Exit status 0 when everything is ok, 1 when a node below is offline or in error, 2 when only lagging.",
        options: [dataOption, .flag("json", help: "Print JSON.")]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let store = try NodeStore(path: dir.databasePath, seedCatalogues: configuration.sync == nil)
        if let monitor = configuration.monitor { store.monitorConfiguration.set(monitor) }
        if let handoff = configuration.handoff { store.handoffConfiguration.set(handoff) }
        let own = try store.syncStatus(settings: configuration.sync)
        let dashboard = try store.monitorDashboard(.commandLine("status"))
        let worst = dashboard.nodes.contains { $0.health == "offline" || $0.health == "error" } ? 1 : dashboard.nodes.contains { $0.health == "lagging" } ? 2 : 0
        if o.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            struct Output: Encodable { var node_id: String; var name: String; var sync: SyncStatus; var tree: MonitorDashboard }
            print(String(decoding: try encoder.encode(Output(node_id: store.nodeID, name: configuration.name, sync: own, tree: dashboard)), as: UTF8.self))
            return Int32(worst)
        }
        print("\(configuration.name) (\(store.nodeID)), schema \(NodeStore.schemaVersion)")
        print("Sync: \(own.state)" + (own.last_success_at.map { ", last success \($0)" } ?? "") + (own.state == "standalone" ? "" : ", \(own.pending_changes) changes waiting")
              + ", \(own.open_conflicts) open conflicts, \(own.quarantined) quarantined" + (own.last_error.map { "\n  last error: \($0)" } ?? ""))
        guard !dashboard.nodes.isEmpty else { print("No nodes below this one."); return 0 }
        let counts = ["ok", "lagging", "offline", "error"].map { state in "\(dashboard.nodes.filter { $0.health == state }.count) \(state)" }
        print("\nNodes below: \(dashboard.nodes.count) (" + counts.joined(separator: ", ") + ")")
        func pad(_ s: String, _ n: Int) -> String { String(s.prefix(n - 1)).padding(toLength: n, withPad: " ", startingAt: 0) }
        print(pad("NODE", 30) + pad("HEALTH", 10) + pad("LAST CONTACT", 26) + pad("WAITING", 9) + pad("REJECTED", 9) + "REASONS")
        let severity = ["offline": 0, "error": 1, "lagging": 2, "ok": 3]
        for node in dashboard.nodes.sorted(by: { (severity[$0.health] ?? 9, $0.name) < (severity[$1.health] ?? 9, $1.name) }) {
            print(pad(String(repeating: "  ", count: node.depth - 1) + node.name, 30) + pad(node.health, 10) + pad(node.last_contact_at ?? "never", 26)
                  + pad(String(node.pending_changes ?? Int(node.lag_up)), 9) + pad(String(node.changes_rejected), 9) + node.reasons.joined(separator: "; "))
        }
        print("\nBy parent unit:")
        for row in dashboard.rollup { print("  \(row.parent_unit_name): \(row.ok) ok, \(row.lagging) lagging, \(row.offline) offline, \(row.error) error") }
        return Int32(worst)
    }
}
