import Foundation
import HosoDomain
import HosoNode
import HosoReplication
import HosoSQLite
import HosoTestSupport
import Testing

/// Upgrades (deploy/README.md, Protocol.md §7.11): a node's database is migrated when it
/// opens; a database written by a newer hoso is refused, not touched; a child speaking
/// another sync protocol than its parent serves is told which side to upgrade, and its
/// work waits for the upgrade.
@Suite struct UpgradeTests {
    let cli = Principal.commandLine("test")

    /// The line to the parent of a child built by an older or newer hoso: every request
    /// says protocol `version` and software `software`; the bodies are otherwise today's.
    final class OtherVersionTransport: SyncTransport, @unchecked Sendable {
        // @unchecked: immutable; the wrapped transport is thread-safe.
        let inner: InMemorySyncTransport
        let version: Int64
        let software: String

        init(_ inner: InMemorySyncTransport, version: Int64, software: String) {
            self.inner = inner
            self.version = version
            self.software = software
        }

        func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8]) {
            guard var object = try JSONValue.parse(utf8: body).objectValue else { return try await inner.exchange(path: path, body: body, credential: credential) }
            object["protocol"] = .number(Double(version))
            object["software"] = .string(software)
            return try await inner.exchange(path: path, body: Array(JSONValue.object(object).jsonString().utf8), credential: credential)
        }
    }

    @Test(arguments: [(Int64(0), "0.0.9"), (Int64(2), "9.0.0")])
    func aChildOfAnotherProtocolIsToldWhatToUpgradeAndKeepsItsWork(version: Int64, software: String) async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let id = try a.store.createDossier(cli, TestTopology.person("Võ Thị Năm", unit: t.units["A1"]!))["id"]!.stringValue!
        let settings = try #require(a.sync?.settings)
        let other = SyncClient(store: a.store, settings: settings, transport: OtherVersionTransport(a.line!, version: version, software: software),
                               log: Log(component: "other", level: .error))

        // The refusal names both versions and the side to upgrade; it is not retried blindly.
        do {
            try await other.syncOnce()
            Issue.record("a child of protocol \(version) was served")
        } catch let error as SyncError {
            #expect(error.code == .protocolUnsupported && !error.isRetryable)
            #expect(error.message.contains("runs hoso \(software) with sync protocol \(version)"), "\(error.message)")
            #expect(error.message.contains("this parent runs hoso \(HosoVersion.current) and serves protocol \(syncProtocolVersion)"), "\(error.message)")
            #expect(error.message.contains(version < syncProtocolVersion ? "Upgrade hoso on that node to \(HosoVersion.current) or later" : "Upgrade the parent first"),
                    "\(error.message)")
        }

        // On the wire: 400 with the served range and the parent's version, decided before
        // the body is decoded (another version's messages need not decode as ours).
        for body: JSONValue in [
            HelloRequest(envelope: try a.store.syncEnvelope(), pullCheckpoint: 0).jsonValue,
            ["protocol": .number(Double(version)), "node_id": .string(a.store.nodeID), "shape": "of another version"],
        ] {
            var object = try #require(body.objectValue)
            object["protocol"] = .number(Double(version))
            let answer = await t.raw("/sync/v1/hello", .object(object), credential: a.credential)
            #expect(answer.status == 400)
            #expect(answer.json["error"]["code"] == "protocol_unsupported", "\(answer.json)")
            #expect(answer.json["error"]["protocol_min"].numberValue == Double(oldestServedSyncProtocolVersion))
            #expect(answer.json["error"]["protocol_max"].numberValue == Double(syncProtocolVersion))
            #expect(answer.json["error"]["software"].stringValue == HosoVersion.current)
            #expect(answer.json["error"]["retryable"] == false)
        }

        // Both sides show it: the child's status, and the parent's list of its nodes.
        let status = try a.store.syncStatus(settings: settings)
        #expect(status.state == "error" && status.last_error_code == "protocol_unsupported", "\(status)")
        #expect(status.pending_changes >= 1, "the new dossier waits at the node")
        let child = try #require(try t.hub.store.children().first { $0.node_id == a.store.nodeID })
        #expect(child.last_error?.contains("protocol_unsupported") == true, "\(child.last_error ?? "")")
        #expect(throws: NodeError.self) { try t.hub.store.dossier(cli, id: id) }

        // Upgraded (today's client again): the work that waited arrives.
        try await a.syncOnce()
        #expect(try t.hub.store.dossier(cli, id: id)["full_name"] == "Võ Thị Năm")
        #expect(try a.store.syncStatus(settings: settings).state == "ok")
    }

    /// A database left by any older hoso (every prefix of today's migrations) is brought
    /// up to date when a node opens it, and works.
    @Test func everyOlderSchemaIsMigratedWhenTheNodeOpens() throws {
        let all = NodeSchema.migrator.migrations
        let root = NSTemporaryDirectory() + "hoso-upgrade-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for count in 1..<all.count {
            let path = root + "/at-\(count).sqlite"
            try Self.database(at: path, migrations: count)
            let store = try NodeStore(path: path)
            #expect(store.migrationsApplied == all.dropFirst(count).map(\.name))
            #expect(try store.integrityCheck() == ["ok"])
            let unit = try store.createUnit(cli, UnitInput(code: "P", name: "UBND tỉnh"))
            _ = try store.createDossier(cli, TestTopology.person("Đặng Văn Sáu", unit: unit.id))
            #expect(try Connection.verifyDatabaseFile(at: path) == all.map(\.name))
        }
    }

    /// Writes a database with the first `count` of today's migrations: what an older hoso left.
    static func database(at path: String, migrations count: Int) throws {
        var older = Migrator()
        for migration in NodeSchema.migrator.migrations.prefix(count) { older.register(migration.name, migration.apply) }
        let connection = try Connection(path: path)
        try older.migrate(connection)
    }

    /// The upgrade as an operator runs it, with processes: the node's directory holds an
    /// older schema; `hoso check` shows it; the new `hoso serve` migrates on start (logged),
    /// answers `/readyz` with the current schema. A database from a newer hoso is refused
    /// by `serve`, `check`… untouched, naming what to do.
    @Test func serveMigratesAnOlderDatabaseAndRefusesANewerOne() async throws {
        let all = NodeSchema.migrator.migrations.map(\.name)
        let root = NSTemporaryDirectory() + "hoso-upgrade-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = ProcessNode(name: "old", directory: root + "/node", port: ProcessNode.freePort())
        _ = try HosoBinary.check(["init", "--data", node.directory, "--name", "Sở Tư pháp", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: node.directory + "/hoso.sqlite" + suffix) }
        try Self.database(at: node.directory + "/hoso.sqlite", migrations: all.count - 1)
        #expect(try HosoBinary.check(["check", "--data", node.directory]).contains(all[all.count - 2]))

        try await node.start()
        let ready = try await node.request("GET", "/readyz")
        #expect(ready.status == 200 && ready.json["schema"].stringValue == all.last, "\(ready.json)")
        node.stop()
        let log = try String(contentsOfFile: node.directory + "/test.log", encoding: .utf8)
        #expect(log.contains("event=migrated applied=\(all.last!)"), "\(log)")
        #expect(try HosoBinary.check(["check", "--data", node.directory]).contains("migrations: " + all.joined(separator: ", ")))

        // A newer hoso's database: refused and left as it was.
        let connection = try Connection(path: node.directory + "/hoso.sqlite")
        try connection.execute("INSERT INTO schema_migrations(name, applied_at) VALUES ('999_from_the_future', datetime('now'))")
        let refused = try HosoBinary.run(["serve", "--data", node.directory, "--port", "0"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("999_from_the_future") && refused.stderr.contains("upgrade hoso"), "\(refused.stderr)")
        #expect(try connection.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) == all.count + 1)
    }
}

/// The replicated columns are part of the sync protocol: a node that does not know a
/// column refuses rows carrying it, and one that lacks it would erase it at its parent.
/// So they may change only together with `syncProtocolVersion` (Protocol.md §7.11).
@Suite struct ReplicationContractTests {
    /// The digest of `ReplicationContract.text` for each protocol version.
    static let pinned: [Int64: String] = [
        1: "60a1c15379a95abddd4d987550c10965386b07fd388b5dab0241b07a54fd7d69",
    ]

    @Test func theReplicatedColumnsBelongToTheProtocolVersion() {
        #expect(Self.pinned[syncProtocolVersion] == ReplicationContract.digest, """
            The replicated columns changed (digest \(ReplicationContract.digest)) but sync protocol \(syncProtocolVersion) \
            pins \(Self.pinned[syncProtocolVersion] ?? "nothing"). Nodes of the old and new columns cannot sync safely: raise \
            syncProtocolVersion (and oldestServedSyncProtocolVersion unless the parent converts old messages), describe the \
            change in Protocol.md §7.11, and pin the new digest here.
            \(ReplicationContract.text)
            """)
        #expect(oldestServedSyncProtocolVersion <= syncProtocolVersion)
    }
}
