import Dispatch
import Foundation
import HosoDomain
import HosoNode
import HosoSQLite

enum Commands {
    static let dataOption = OptionSpec.option("data", "dir", help: "The node's data directory.", required: true)

    static var all: [Command] { [initCommand, serve, hub, unit, sync, status, handoff, dossier, importCommand, exportNational, adminCreate, backup, restore, check, demo, openapi, version] }

    static let initCommand = Command(
        "init", abstract: "Create a node's data directory: database, configuration, optional root unit.",
        discussion: """
            Without --parent this creates a hub (the root of the province's tree) with the seed catalogues. With \
            --parent and --token (printed by `hoso hub enroll` on the parent) it creates an enrolled node, which \
            receives units, catalogues and accounts from its parent on its first sync.
            """,
        options: [
            dataOption,
            .option("name", "name", help: "Display name of the node.", required: true),
            .option("port", "port", help: "TCP port to serve on.", default: "8080"),
            .option("host", "address", help: "Address to listen on.", default: "127.0.0.1"),
            .option("unit-code", "code", help: "Code of the root unit to create on a hub (e.g. DT)."),
            .option("unit-name", "name", help: "Name of the root unit (e.g. \"UBND tỉnh Đồng Tháp\")."),
            .option("parent", "url", help: "The parent node's URL (an enrolled node)."),
            .option("token", "token", help: "The credential `hoso hub enroll` printed on the parent."),
            .option("sync-interval", "seconds", help: "Seconds between sync cycles when idle.", default: "10"),
        ]) { o in
        let dir = DataDirectory(o.value("data")!)
        guard !dir.isInitialised else { throw UsageError(message: "\(dir.path) is already initialised", command: "init") }
        guard let port = Int(o.value("port")!), (0...65535).contains(port) else { throw UsageError(message: "--port must be 0-65535", command: "init") }
        if (o.value("unit-code") == nil) != (o.value("unit-name") == nil) {
            throw UsageError(message: "--unit-code and --unit-name go together", command: "init")
        }
        if (o.value("parent") == nil) != (o.value("token") == nil) {
            throw UsageError(message: "--parent and --token go together", command: "init")
        }
        var configuration = NodeConfiguration(name: o.value("name")!, host: o.value("host")!, port: port)
        if let parent = o.value("parent"), let token = o.value("token") {
            guard o.value("unit-code") == nil else { throw UsageError(message: "an enrolled node receives its units from its parent; drop --unit-code", command: "init") }
            guard let url = URL(string: parent), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw UsageError(message: "--parent must be an http:// or https:// URL", command: "init")
            }
            guard let interval = Double(o.value("sync-interval")!), interval >= 1, interval <= 86_400 else {
                throw UsageError(message: "--sync-interval must be 1-86400 seconds", command: "init")
            }
            var settings = SyncSettings(parent_url: parent, credential: token, interval_seconds: interval)
            guard let nodeID = settings.nodeID, token.count > nodeID.count + 16 else {
                throw UsageError(message: "--token is not a node credential (expected <node id>.<secret> from `hoso hub enroll`)", command: "init")
            }
            settings.enabled = true
            configuration.sync = settings
            try dir.create()
            let store = try NodeStore(path: dir.databasePath, nodeID: nodeID, seedCatalogues: false)
            try dir.save(configuration)
            print("Initialised \(dir.path) as node \(store.nodeID), child of \(parent).")
            print("Next: hoso serve --data \(dir.path)   (the first sync brings units, catalogues and accounts)")
            return 0
        }
        try dir.create()
        let store = try NodeStore(path: dir.databasePath)
        if let code = o.value("unit-code"), let name = o.value("unit-name") {
            _ = try store.createUnit(.commandLine("init"), UnitInput(code: code, name: name))
        }
        try dir.save(configuration)
        print("Initialised \(dir.path) (node id \(store.nodeID)).")
        print("Next: hoso admin-create --data \(dir.path) --username admin   (password from standard input)")
        return 0
    }

    static let serve = Command(
        "serve", abstract: "Serve the node's HTTP API until SIGINT or SIGTERM.",
        options: [dataOption, .option("port", "port", help: "Override the configured port (0 = any free port)."),
                  .option("host", "address", help: "Override the configured listen address."),
                  .flag("no-sync", help: "Do not run the background sync loop (sync only on `hoso sync` or POST /api/sync/now).")]) { o in
        let port = try o.value("port").map { text -> Int in
            guard let p = Int(text), (0...65535).contains(p) else { throw UsageError(message: "--port must be 0-65535", command: "serve") }
            return p
        }
        // `hoso sync --data DIR` sends SIGUSR1 (run a sync cycle now); ignore it until
        // the handler is in place, before the lock file names this process.
        signal(SIGUSR1, SIG_IGN)
        let runtime = try NodeRuntime(directory: DataDirectory(o.value("data")!), portOverride: port, hostOverride: o.value("host"),
                                      syncEnabled: o.flag("no-sync") ? false : nil)
        let bound = try runtime.start()
        print("hoso node '\(runtime.configuration.name)' serving on http://\(runtime.configuration.host):\(bound)/"
              + (runtime.configuration.sync.map { " (parent \($0.parent_url))" } ?? " (hub)"))
        fflush(nil)
        let trigger = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        trigger.setEventHandler {
            guard let sync = runtime.sync else { return }
            Task.detached { _ = try? await sync.syncOnce() }
        }
        trigger.resume()
        waitForTermination()
        trigger.cancel()
        runtime.stop()
        return 0
    }

    static let adminCreate = Command(
        "admin-create", abstract: "Create an administrator account (the first one, or another).",
        discussion: "The password is read from standard input (one line), or from the HOSO_PASSWORD environment variable.",
        options: [dataOption, .option("username", "name", help: "Login name.", required: true),
                  .option("full-name", "name", help: "Full name.", default: "Quản trị hệ thống")]) { o in
        let dir = DataDirectory(o.value("data")!)
        _ = try dir.loadConfiguration()
        let password = ProcessInfo.processInfo.environment["HOSO_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
        let store = try NodeStore(path: dir.databasePath)
        let user = try store.createUser(.commandLine("admin-create"),
                                        UserInput(username: o.value("username"), full_name: o.value("full-name"), password: password, role: .admin))
        print("Created administrator '\(user.username)'.")
        return 0
    }

    static let backup = Command(
        "backup", abstract: "Write an online backup of the node's database (safe while the node runs).",
        options: [dataOption, .option("output", "file", help: "Backup file to write.", required: true)]) { o in
        let dir = DataDirectory(o.value("data")!)
        _ = try dir.loadConfiguration()
        let connection = try Connection(path: dir.databasePath)
        try connection.backup(to: o.value("output")!)
        let schema = try Connection.verifyDatabaseFile(at: o.value("output")!)
        print("Backup written to \(o.value("output")!) (integrity ok, schema \(schema.last ?? "?")).")
        return 0
    }

    static let restore = Command(
        "restore", abstract: "Replace the node's database with a verified backup (the node must be stopped).",
        discussion: "The backup must pass PRAGMA integrity_check and carry only migrations this version knows. The current database is kept beside it as hoso.sqlite.before-restore-<time>.",
        options: [dataOption, .option("input", "file", help: "Backup file to restore.", required: true)]) { o in
        let dir = DataDirectory(o.value("data")!)
        _ = try dir.loadConfiguration()
        let input = o.value("input")!
        let migrations: [String]
        do { migrations = try Connection.verifyDatabaseFile(at: input) }
        catch { throw RestoreError("refusing to restore \(input): \(TypeDescription.of(error))") }
        let known = Set(NodeSchema.migrator.migrations.map(\.name))
        guard !migrations.isEmpty, migrations.allSatisfy(known.contains) else {
            throw RestoreError("refusing to restore \(input): not a hoso database of this version (migrations: \(migrations.joined(separator: ", ")))")
        }
        let lock = try ProcessLock(path: dir.lockPath)   // fails while the node serves
        let fm = FileManager.default
        let stamp = Int(Date().timeIntervalSince1970)
        if fm.fileExists(atPath: dir.databasePath) {
            // Fold the WAL into the main file before moving it aside.
            try Connection(path: dir.databasePath).execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try fm.moveItem(atPath: dir.databasePath, toPath: dir.databasePath + ".before-restore-\(stamp)")
        }
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: dir.databasePath + suffix) }
        try fm.copyItem(atPath: input, toPath: dir.databasePath + ".restoring")
        try fm.moveItem(atPath: dir.databasePath + ".restoring", toPath: dir.databasePath)
        _ = try NodeStore(path: dir.databasePath)
        withExtendedLifetime(lock) {}
        print("Restored \(input) into \(dir.path); previous database kept as hoso.sqlite.before-restore-\(stamp).")
        return 0
    }

    static let check = Command(
        "check", abstract: "Run PRAGMA integrity_check on the node's database.",
        discussion: """
            With --summary it also prints what the replica holds (dossiers, units, users, log sizes) and a digest of \
            every replicated row: two copies with the same digest hold the same data (a restored backup and the \
            node it was taken from, with no write in between). Safe while the node serves.
            """,
        options: [dataOption, .flag("summary", help: "Also print counts and the content digest."),
                  .flag("json", help: "With --summary: print JSON.")]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let result = try Connection.verifyDatabaseFile(at: dir.databasePath)
        guard o.flag("summary") else {
            print("integrity ok; migrations: \(result.joined(separator: ", "))")
            return 0
        }
        let summary = try NodeStore(path: dir.databasePath, seedCatalogues: configuration.sync == nil).summary()
        if o.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print("integrity ok; schema \(summary.schema); node \(summary.node_id), clock \(summary.clock)")
            print(summary.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("content digest \(summary.digest)")
        }
        return 0
    }

    static let version = Command("version", abstract: "Print the version.", options: []) { _ in
        print("hoso \(HosoVersion.current)")
        return 0
    }

    /// Blocks until SIGINT or SIGTERM.
    static func waitForTermination() {
        let semaphore = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { semaphore.signal() }
            source.resume()
            sources.append(source)
        }
        semaphore.wait()
        withExtendedLifetime(sources) {}
    }
}

struct RestoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum TypeDescription {
    static func of(_ error: Error) -> String {
        String(describing: error)
    }
}

extension Commands {
    static let openapi = Command("openapi", abstract: "Print the OpenAPI 3 document of the node API (the repository keeps a copy in openapi.json).",
                                 options: []) { _ in
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(OpenAPIDocument.make()), as: UTF8.self))
        return 0
    }
}
