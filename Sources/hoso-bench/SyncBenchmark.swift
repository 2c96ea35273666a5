import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoDomain
import HosoNode
import HosoReplication
#if canImport(Glibc)
import Glibc
#endif

/// Issue-3 benchmarks. The hub is a real `hoso serve` process on loopback; the nodes run
/// in this process, each with its own replica file and an HTTP sync client.
///
/// - `initial`: N nodes holding D dossiers in all push to a fresh hub; then a fresh node
///   pulls one unit's dossiers from the hub. Both next to SQLite's own batched upsert of
///   the same rows.
/// - `steady`: 1 edit per second on each of N nodes; time from the local commit to the
///   change being applied at the hub.
/// - `poll`: N idle nodes polling the hub; the hub process's CPU and memory.
struct SyncBenchmark {
    let root = NSTemporaryDirectory() + "hoso-sync-bench-" + UUID().uuidString

    /// The hub: data directory, process, port.
    final class Hub: @unchecked Sendable {
        let directory: DataDirectory
        let store: NodeStore
        var process: Process?
        let port = Hub.freePort()
        var units: [String: String] = [:]
        init(directory: DataDirectory) throws {
            self.directory = directory
            try directory.create()
            store = try NodeStore(path: directory.databasePath)
        }

        func start() throws {
            var configuration = NodeConfiguration(name: "Sở Nội vụ (bench)", host: "127.0.0.1", port: port)
            configuration.session_idle_seconds = 3600
            try directory.save(configuration)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: SyncBenchmark.hosoBinary)
            process.arguments = ["serve", "--data", directory.path]
            process.standardOutput = FileHandle.nullDevice
            // The hub's log goes to HOSO_BENCH_HUB_LOG when set (to see why a cycle failed).
            if let path = ProcessInfo.processInfo.environment["HOSO_BENCH_HUB_LOG"], FileManager.default.createFile(atPath: path, contents: nil),
               let log = FileHandle(forWritingAtPath: path) {
                process.standardError = log
            } else {
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
            self.process = process
            for _ in 0..<200 {
                if let fd = Optional(socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)) {
                    var address = sockaddr_in()
                    address.sin_family = sa_family_t(AF_INET)
                    address.sin_port = in_port_t(UInt16(port).bigEndian)
                    address.sin_addr.s_addr = inet_addr("127.0.0.1")
                    let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                    close(fd)
                    if rc == 0 { return }
                }
                usleep(50_000)
            }
            throw BenchError("the hub did not start")
        }

        func stop() {
            guard let process, process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        /// utime + stime of the hub process, seconds.
        var cpuSeconds: Double {
            guard let pid = process?.processIdentifier,
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return 0 }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        /// Resident and peak resident memory of the hub process, MiB.
        var memory: (rss: Double, peak: Double) {
            guard let pid = process?.processIdentifier,
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
            func value(_ key: String) -> Double {
                status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { line in
                    line.split(separator: " ").compactMap { Double($0) }.first
                }.map { $0 / 1024 } ?? 0
            }
            return (value("VmRSS:"), value("VmHWM:"))
        }

        static func freePort() -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// A node in this process.
    struct Node: @unchecked Sendable {
        let store: NodeStore
        let client: SyncClient
        let unit: String
        /// The client's transport, counting the exchanges it makes (nil: not counted).
        var transport: CountingTransport? = nil
    }

    static var hosoBinary: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("hoso").path
    }

    /// A hub with `count` bench units (one per node) under the demo province.
    func makeHub(units count: Int) throws -> Hub {
        let hub = try Hub(directory: DataDirectory(root + "/hub"))
        let seeded = try DemoSeeder(store: hub.store).seedUnitsAndAccounts(hashCost: 1)
        for i in 0..<count {
            hub.units["B\(i)"] = try hub.store.createUnit(.commandLine("bench"), UnitInput(code: "BENCH.\(i)", name: "Đơn vị thử \(i)", parent_id: seeded["DT"])).id
        }
        return hub
    }

    /// Enrols and creates `count` nodes (node i serves bench unit i), without syncing.
    func makeNodes(_ hub: Hub, count: Int, interval: Double = 10, enabled: Bool = false, batch: Int = 1_000) throws -> [Node] {
        try (0..<count).map { i in
            let unit = hub.units["B\(i)"]!
            let (id, token) = try hub.store.enrollChild(.commandLine("bench"), name: "Nút \(i)", unitIDs: [unit], selfName: "hub")
            let store = try NodeStore(path: root + "/node\(i).sqlite", nodeID: id, seedCatalogues: false)
            var settings = SyncSettings(parent_url: "http://127.0.0.1:\(hub.port)", credential: token, enabled: enabled, interval_seconds: interval)
            settings.batch_size = batch
            let transport = CountingTransport(HTTPSyncTransport(baseURL: URL(string: settings.parent_url)!))
            let client = SyncClient(store: store, settings: settings, transport: transport, log: Log(component: "node\(i)", level: .warning))
            return Node(store: store, client: client, unit: unit, transport: transport)
        }
    }

    /// Runs `body` for every element concurrently (bounded by the cores) and waits.
    func concurrently<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            for (index, item) in items.enumerated() { group.addTask { (index, try await body(item)) } }
            var results = [R?](repeating: nil, count: items.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    static func fmt(_ value: Double, _ decimals: Int = 0) -> String {
        let scale = pow(10.0, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }

    // MARK: (a) initial sync

    struct InitialResult {
        var pushed: Int, pushRate: Double, pushSeconds: Double
        var upsertFull: Double, upsertNormal: Double, sessionApply: Double
        var hubCPU: Double, hubRSS: Double, hubPeak: Double
        var pulled: Int, pullRate: Double, pullUpsertFull: Double, pullSessionApply: Double
        /// Medians of the rounds' ratios (sync / baseline).
        var pushUpsertRatio: Double?, pushSessionRatio: Double?, pullUpsertRatio: Double?, pullSessionRatio: Double?
        /// CPU per row, µs (medians over the rounds): sync counts the hub process and this
        /// one (the nodes); the baselines this process. Far less moved by other load on the
        /// machine than rows/s, because a pipeline over two processes loses more wall time to
        /// a competing job than a single-threaded baseline does.
        var pushCPU: Double = 0, upsertCPU: Double = 0, sessionCPU: Double = 0
        var pullCPU: Double = 0, pullUpsertCPU: Double = 0, pullSessionCPU: Double = 0
        var pushUpsertCPURatio: Double?, pushSessionCPURatio: Double?, pullUpsertCPURatio: Double?, pullSessionCPURatio: Double?
    }

    /// Runs `body` and returns its result with the CPU it took in this process, µs per `rows`.
    static func cpuPerRow<T>(_ rows: Int, _ body: () throws -> T) rethrows -> (T, Double) {
        let cpu0 = Figures.processCPUSeconds()
        let value = try body()
        return (value, (Figures.processCPUSeconds() - cpu0) / Double(max(rows, 1)) * 1e6)
    }

    /// `rounds`: the dossiers are generated and pushed in that many alternating parts,
    /// each followed by its baselines over the same rows, and the pull (with its
    /// baselines) is repeated as often; the figures are medians.
    @discardableResult
    func initial(dossiers: Int, nodes nodeCount: Int, historyRows: Int, rounds: Int = 1) async throws -> InitialResult {
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("hoso-bench sync initial: \(dossiers) dossiers × ~\(historyRows + 1) rows on \(nodeCount) nodes → fresh hub (separate process, loopback HTTP), \(rounds) round(s)")
        let hub = try makeHub(units: nodeCount + 1)
        let nodes = try makeNodes(hub, count: nodeCount)
        try hub.start()
        defer { hub.stop() }
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }

        let floorFull = try NodeStore(path: root + "/floor-full.sqlite", seedCatalogues: false)
        let floorNormal = try NodeStore(path: root + "/floor-normal.sqlite", seedCatalogues: false)
        let session = try SessionBaseline(directory: root + "/session")
        let perNode = dossiers / nodeCount
        var pushRates: [Double] = [], fulls: [Double] = [], normals: [Double] = [], sessions: [Double] = []
        var pushCPUs: [Double] = [], fullCPUs: [Double] = [], sessionCPUs: [Double] = []
        var pushed = 0, pushSeconds = 0.0, hubCPU = 0.0, generated = 0.0, changesetBytes = 0, conflicts = 0
        for round in 0..<rounds {
            // Generate this round's part of the province at the nodes (not timed).
            var t0 = DispatchTime.now().uptimeNanoseconds
            let done = perNode * round / rounds
            let count = perNode * (round + 1) / rounds - done
            let parts = try await concurrently(Array(nodes.enumerated())) { index, node in
                // Serials stay unique across nodes and rounds (personal ids must be).
                var data = SampleData(seed: UInt64(index + 1) * 7919 + UInt64(round), firstSerial: index * 100_000 + done)
                var ids: [String] = []
                for _ in 0..<count {
                    ids.append(try node.store.createDossier(.commandLine("bench"), data.dossier(unitID: node.unit, historyRows: historyRows))["id"]?.stringValue ?? "")
                }
                return ids
            }
            let fresh = Set(parts.flatMap { $0 })
            let records = try nodes.flatMap { try $0.store.dossierRecords() }.filter { record in
                fresh.contains(record.entity == "person" ? record.id : record.data["person_id"]?.stringValue ?? "")
            }
            generated += Self.seconds(since: t0)

            // Nodes → hub.
            let cpu0 = hub.cpuSeconds, benchCPU0 = Figures.processCPUSeconds()
            t0 = DispatchTime.now().uptimeNanoseconds
            let reports = try await concurrently(nodes) { try await $0.client.syncOnce() }
            let seconds = Self.seconds(since: t0)
            let sent = reports.reduce(0) { $0 + $1.push.sent }
            guard sent == records.count else { throw BenchError("round \(round + 1): the nodes wrote \(records.count) rows and pushed \(sent)") }
            pushRates.append(Double(sent) / seconds)
            pushed += sent
            pushSeconds += seconds
            hubCPU += hub.cpuSeconds - cpu0
            pushCPUs.append((hub.cpuSeconds - cpu0 + Figures.processCPUSeconds() - benchCPU0) / Double(max(sent, 1)) * 1e6)

            // The floors: the same rows upserted into a replica, 1,000 per transaction; the
            // same rows as session changesets of 1,000 applied to a replica.
            let (full, fullCPU) = try Self.cpuPerRow(records.count) { try floorFull.rawUpsert(records, batchSize: 1_000, durable: true) }
            fulls.append(full)
            fullCPUs.append(fullCPU)
            normals.append(try floorNormal.rawUpsert(records, batchSize: 1_000, durable: false))
            let applied = try session.run(records, batchSize: 1_000)
            sessions.append(applied.applyRate)
            sessionCPUs.append(applied.applyCPU / Double(max(records.count, 1)) * 1e6)
            changesetBytes += applied.changesetBytes
            conflicts += applied.conflicts
            if rounds > 1 {
                print("  round \(round + 1): \(records.count) rows written, \(sent) pushed; push \(Self.fmt(pushRates.last!)) rows/s, upsert FULL \(Self.fmt(fulls.last!)), NORMAL \(Self.fmt(normals.last!)), session apply \(Self.fmt(sessions.last!)); CPU µs/row: push \(Self.fmt(pushCPUs.last!, 1)), upsert FULL \(Self.fmt(fullCPUs.last!, 1)), session apply \(Self.fmt(sessionCPUs.last!, 1))")
                fflush(nil)
            }
        }
        let memory = hub.memory
        var result = InitialResult(pushed: pushed, pushRate: Figures.median(pushRates), pushSeconds: pushSeconds,
                                   upsertFull: Figures.median(fulls), upsertNormal: Figures.median(normals), sessionApply: Figures.median(sessions),
                                   hubCPU: hubCPU, hubRSS: memory.rss, hubPeak: memory.peak, pulled: 0, pullRate: 0, pullUpsertFull: 0, pullSessionApply: 0,
                                   pushUpsertRatio: Measure.pairedRatio(pushRates, fulls), pushSessionRatio: Measure.pairedRatio(pushRates, sessions))
        result.pushCPU = Figures.median(pushCPUs)
        result.upsertCPU = Figures.median(fullCPUs)
        result.sessionCPU = Figures.median(sessionCPUs)
        result.pushUpsertCPURatio = Measure.pairedRatio(pushCPUs, fullCPUs)
        result.pushSessionCPURatio = Measure.pairedRatio(pushCPUs, sessionCPUs)

        print("""
              generated the rows at the nodes in \(Self.fmt(generated, 1)) s (not timed)

              nodes → hub (push)           \(Self.fmt(result.pushRate)) rows/s   \(pushed) rows in \(Self.fmt(pushSeconds, 1)) s   hub CPU \(Self.fmt(hubCPU, 1)) s, RSS \(Self.fmt(memory.rss)) MiB (peak \(Self.fmt(memory.peak)))
              SQLite batched upsert, FULL  \(Self.fmt(result.upsertFull)) rows/s   (same rows, 1,000 per transaction, durable like a sync batch)
              SQLite batched upsert, NORMAL \(Self.fmt(result.upsertNormal)) rows/s
              session changeset apply, FULL \(Self.fmt(result.sessionApply)) rows/s   (same rows, one changeset of 1,000 per transaction; \(Self.fmt(Double(changesetBytes) / Double(max(pushed, 1)), 1)) B/row, \(conflicts) conflicts)
              CPU per row, µs              push \(Self.fmt(result.pushCPU, 1)) (hub + nodes)   upsert FULL \(Self.fmt(result.upsertCPU, 1))   session apply \(Self.fmt(result.sessionCPU, 1))
              ratio sync / SQLite FULL     \(Self.fmt(result.pushUpsertRatio ?? 0, 2))     ratio / NORMAL \(Self.fmt(result.pushRate / result.upsertNormal, 2))     ratio / session apply \(Self.fmt(result.pushSessionRatio ?? 0, 2))\(rounds > 1 ? "   (medians of the rounds)" : "")
              PostgreSQL 15 logical replication on this machine: 38–70k rows/s (perf-limits.md §5) → ratio \(Self.fmt(result.pushRate / 38_000, 2))–\(Self.fmt(result.pushRate / 70_000, 2))
            """)

        // Hub → a fresh node serving one unit (a node replaced after a disk failure); each
        // repeat replaces the previous one.
        let first = nodes[0]
        let unitRecords = try first.store.dossierRecords()
        var retire = first.store.nodeID
        var pullRates: [Double] = [], unitFulls: [Double] = [], unitSessions: [Double] = []
        var pullCPUs: [Double] = [], unitFullCPUs: [Double] = [], unitSessionCPUs: [Double] = []
        var lastPull = SyncCycleReport(), held = 0, freshCheck = ""
        for repeat_ in 0..<rounds {
            try hub.store.retireChild(.commandLine("bench"), nodeID: retire)
            let (id, token) = try hub.store.enrollChild(.commandLine("bench"), name: "Nút 0 (mới \(repeat_))", unitIDs: [first.unit], selfName: "hub")
            let fresh = try NodeStore(path: root + "/fresh\(repeat_).sqlite", nodeID: id, seedCatalogues: false)
            let client = SyncClient(store: fresh, settings: SyncSettings(parent_url: "http://127.0.0.1:\(hub.port)", credential: token, enabled: false),
                                    transport: HTTPSyncTransport(baseURL: URL(string: "http://127.0.0.1:\(hub.port)")!), log: Log(component: "fresh", level: .error))
            let cpu0 = hub.cpuSeconds, benchCPU0 = Figures.processCPUSeconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            lastPull = try await client.syncOnce()
            pullRates.append(Double(lastPull.pull.received) / Self.seconds(since: t0))
            pullCPUs.append((hub.cpuSeconds - cpu0 + Figures.processCPUSeconds() - benchCPU0) / Double(max(lastPull.pull.received, 1)) * 1e6)
            let floor = try NodeStore(path: root + "/floor-unit\(repeat_).sqlite", seedCatalogues: false)
            let (full, fullCPU) = try Self.cpuPerRow(unitRecords.count) { try floor.rawUpsert(unitRecords, batchSize: 1_000, durable: true) }
            unitFulls.append(full)
            unitFullCPUs.append(fullCPU)
            let applied = try SessionBaseline(directory: root + "/session-unit\(repeat_)").run(unitRecords, batchSize: 1_000)
            unitSessions.append(applied.applyRate)
            unitSessionCPUs.append(applied.applyCPU / Double(max(unitRecords.count, 1)) * 1e6)
            held = try fresh.dossierDigests().count
            freshCheck = try fresh.integrityCheck().joined()
            retire = id
        }
        result.pulled = lastPull.pull.received
        result.pullRate = Figures.median(pullRates)
        result.pullUpsertFull = Figures.median(unitFulls)
        result.pullSessionApply = Figures.median(unitSessions)
        result.pullUpsertRatio = Measure.pairedRatio(pullRates, unitFulls)
        result.pullSessionRatio = Measure.pairedRatio(pullRates, unitSessions)
        result.pullCPU = Figures.median(pullCPUs)
        result.pullUpsertCPU = Figures.median(unitFullCPUs)
        result.pullSessionCPU = Figures.median(unitSessionCPUs)
        result.pullUpsertCPURatio = Measure.pairedRatio(pullCPUs, unitFullCPUs)
        result.pullSessionCPURatio = Measure.pairedRatio(pullCPUs, unitSessionCPUs)
        print("""
              hub → fresh node (pull)      \(Self.fmt(result.pullRate)) rows/s   \(lastPull.pull.received) rows (\(held) dossiers + shared data), \(lastPull.pullBatches) batches\(rounds > 1 ? ", median of \(rounds)" : "")
              SQLite batched upsert, FULL  \(Self.fmt(result.pullUpsertFull)) rows/s   ratio \(Self.fmt(result.pullUpsertRatio ?? 0, 2))
              session changeset apply, FULL \(Self.fmt(result.pullSessionApply)) rows/s   ratio \(Self.fmt(result.pullSessionRatio ?? 0, 2))
              CPU per row, µs              pull \(Self.fmt(result.pullCPU, 1)) (hub + fresh node)   upsert FULL \(Self.fmt(result.pullUpsertCPU, 1))   session apply \(Self.fmt(result.pullSessionCPU, 1))
              integrity_check hub/fresh    \(try hub.store.integrityCheck().joined())/\(freshCheck)
            """)
        fflush(nil)
        return result
    }

    /// Diagnostic: the same push with the hub in this process over the in-memory
    /// transport (no sockets, no HTTP), to separate the protocol's cost from HTTP's.
    func inMemory(dossiers: Int, nodes nodeCount: Int, historyRows: Int) async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let hub = try makeHub(units: nodeCount)
        let router = NodeAPI(store: hub.store, log: Log(component: "hub", level: .error)).makeRouter()
        var nodes: [Node] = []
        for i in 0..<nodeCount {
            let unit = hub.units["B\(i)"]!
            let (id, token) = try hub.store.enrollChild(.commandLine("bench"), name: "Nút \(i)", unitIDs: [unit], selfName: "hub")
            let store = try NodeStore(path: root + "/node\(i).sqlite", nodeID: id, seedCatalogues: false)
            let client = SyncClient(store: store, settings: SyncSettings(parent_url: "memory://", credential: token, enabled: false),
                                    transport: InMemorySyncTransport(parent: router), log: Log(component: "n", level: .error))
            nodes.append(Node(store: store, client: client, unit: unit))
        }
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }
        let perNode = dossiers / nodeCount
        _ = try await concurrently(Array(nodes.enumerated())) { index, node in
            var data = SampleData(seed: UInt64(index + 1) * 7919, firstSerial: index * 100_000)
            for _ in 0..<perNode { _ = try node.store.createDossier(.commandLine("bench"), data.dossier(unitID: node.unit, historyRows: historyRows)) }
            return 0
        }
        let cpu0 = Figures.processCPUSeconds()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let reports = try await concurrently(nodes) { try await $0.client.syncOnce() }
        let seconds = Self.seconds(since: t0)
        let used = Figures.processCPUSeconds() - cpu0
        let pushed = reports.reduce(0) { $0 + $1.push.sent }
        print("in-memory push: \(pushed) rows in \(Self.fmt(seconds, 2)) s = \(Self.fmt(Double(pushed) / seconds)) rows/s; CPU \(Self.fmt(used, 2)) s = \(Self.fmt(used / Double(pushed) * 1e6, 1)) µs/row, \(Self.fmt(used / seconds, 2)) cores")
    }

    /// Diagnostic: the hub's apply alone (batches already decoded, no transport), next to
    /// the raw upsert of the same rows.
    func applyOnly(dossiers: Int, historyRows: Int) async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let hub = try makeHub(units: 1)
        let router = NodeAPI(store: hub.store, log: Log(component: "hub", level: .error)).makeRouter()
        let unit = hub.units["B0"]!
        let (id, token) = try hub.store.enrollChild(.commandLine("bench"), name: "Nút", unitIDs: [unit], selfName: "hub")
        let node = try NodeStore(path: root + "/node.sqlite", nodeID: id, seedCatalogues: false)
        let client = SyncClient(store: node, settings: SyncSettings(parent_url: "memory://", credential: token, enabled: false),
                                transport: InMemorySyncTransport(parent: router), log: Log(component: "n", level: .error))
        try await client.syncOnce()
        var data = SampleData(seed: 5)
        for _ in 0..<dossiers { _ = try node.createDossier(.commandLine("bench"), data.dossier(unitID: unit, historyRows: historyRows)) }
        var batches: [PushRequest] = []
        var after: Int64 = 0
        let envelope = try node.syncEnvelope()
        while true {
            let (changes, toSeq, continues) = try node.pushBatch(after: after, limit: 1_000, maxBytes: 64 << 20)
            if changes.isEmpty { break }
            batches.append(PushRequest(envelope: envelope, fromSeq: after, toSeq: toSeq, changes: changes, continues: continues, batchID: RecordID.make()))
            after = toSeq
        }
        let rows = batches.reduce(0) { $0 + $1.changes.count }
        var t0 = DispatchTime.now().uptimeNanoseconds
        var encoded: [[UInt8]] = []
        for batch in batches { encoded.append(batch.jsonBytes) }
        let encode = Self.seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        var decoded: [PushRequest] = []
        for bytes in encoded { decoded.append(try PushRequest(json: JSONValue.parse(utf8: bytes))) }
        let decode = Self.seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        for batch in decoded { _ = try hub.store.acceptPush(child: id, batch) }
        let apply = Self.seconds(since: t0)
        let floor = try NodeStore(path: root + "/floor.sqlite", seedCatalogues: false).rawUpsert(batches.flatMap(\.changes), batchSize: 1_000, durable: true)
        func us(_ s: Double) -> String { Self.fmt(s / Double(rows) * 1e6, 1) }
        print("\(rows) rows: encode \(us(encode)) µs/row, decode \(us(decode)) µs/row, apply \(us(apply)) µs/row (\(Self.fmt(Double(rows) / apply)) rows/s); floor upsert \(Self.fmt(1e6 / floor, 1)) µs/row")
    }
}
