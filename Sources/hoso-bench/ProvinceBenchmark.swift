import Dispatch
import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication

extension SyncBenchmark {
    // MARK: the whole province at once

    /// A simulated province in one run: `nodeCount` nodes (in this process, each with its
    /// own replica file, over loopback HTTP) holding `dossiers` dossiers with histories,
    /// pushed to a fresh hub process; then every node's sync loop runs (polling every
    /// `interval` s, woken by its commits) while each node edits one of its dossiers every
    /// `editEvery` s for `seconds`. Prints the initial sync next to SQLite's batched
    /// upsert of the same rows, commit → at the hub p50/p99, the hub's CPU, memory and
    /// disk, and the hub's integrity.
    func province(nodes nodeCount: Int, dossiers: Int, historyRows: Int, seconds: Double, interval: Double, editEvery: Double) async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("""
            hoso-bench province: \(nodeCount) nodes, \(dossiers) dossiers × ~\(historyRows + 1) rows → a fresh hub process over loopback HTTP;
            then \(Self.fmt(seconds)) s of steady state: every node polls every \(Self.fmt(interval)) s and edits a dossier every \(Self.fmt(editEvery)) s
            """)
        fflush(nil)
        let hub = try makeHub(units: nodeCount)
        let nodes = try makeNodes(hub, count: nodeCount, interval: interval, enabled: true)
        try hub.start()
        defer { hub.stop() }
        let idleRSS = hub.memory.rss
        var t0 = DispatchTime.now().uptimeNanoseconds
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }
        let enrolSeconds = Self.seconds(since: t0)

        // The province's dossiers, written at their nodes (not timed).
        t0 = DispatchTime.now().uptimeNanoseconds
        let owned = try await concurrently(Array(nodes.enumerated())) { index, node in
            // Consecutive serials per node: personal ids stay unique across the province.
            let perNode = dossiers / nodeCount + 1
            var data = SampleData(seed: UInt64(index + 1) * 7_919, firstSerial: index * perNode)
            let count = dossiers / nodeCount + (index < dossiers % nodeCount ? 1 : 0)
            return try (0..<count).map { _ in
                try node.store.createDossier(.commandLine("bench"), data.dossier(unitID: node.unit, historyRows: historyRows))["id"]?.stringValue ?? ""
            }
        }
        let records = try nodes.flatMap { try $0.store.dossierRecords() }
        print("  generated \(owned.reduce(0) { $0 + $1.count }) dossiers (\(records.count) rows) at the nodes in \(Self.fmt(Self.seconds(since: t0), 1)) s (not timed)")
        fflush(nil)

        // Initial sync: every node pushes at once.
        let cpu0 = hub.cpuSeconds
        t0 = DispatchTime.now().uptimeNanoseconds
        func mib(_ bytes: Int) -> String { Self.fmt(Double(bytes) / 1_048_576, 1) }
        func wireBytes() -> Int { nodes.compactMap(\.transport?.bytes).reduce(0) { $0 + $1.sent + $1.received } }
        let bytes0 = wireBytes()
        let reports = try await concurrently(nodes) { try await $0.client.syncOnce() }
        let pushSeconds = Self.seconds(since: t0)
        let pushBytes = wireBytes() - bytes0
        let pushed = reports.reduce(0) { $0 + $1.push.sent }
        guard pushed == records.count else { throw BenchError("the nodes wrote \(records.count) rows and pushed \(pushed)") }
        let pushCPU = hub.cpuSeconds - cpu0
        let afterPush = hub.memory
        let floor = try NodeStore(path: root + "/floor.sqlite", seedCatalogues: false)
        let upsert = try floor.rawUpsert(records, batchSize: 1_000, durable: true)
        let disk = Self.databaseBytes(hub.directory.databasePath)

        // Steady state. Every loop starts at once and makes its first cycle at once (as
        // after a hub restart); the window opens once that herd has passed and the
        // schedule has spread out (1.5 intervals), as in `sync-poll`.
        func cyclesSoFar() -> Int { nodes.compactMap(\.transport?.totals).reduce(0) { $0 + $1.cycles } }
        let cyclesBefore = cyclesSoFar()
        t0 = DispatchTime.now().uptimeNanoseconds
        // Each loop on Dispatch's threads, as if each node had its own process: 200 loops
        // on the cooperative pool (one thread per core) would queue behind each other's
        // fsyncs, and the latency measured would be the bench's, not the hub's.
        for node in nodes { node.client.start(on: ResponderExecutor.shared) }
        while cyclesSoFar() - cyclesBefore < nodeCount && Self.seconds(since: t0) < 60 { try await Task.sleep(nanoseconds: 50_000_000) }
        let herdSeconds = Self.seconds(since: t0)
        if herdSeconds < interval * 1.5 { try await Task.sleep(nanoseconds: UInt64((interval * 1.5 - herdSeconds) * 1e9)) }
        let cyclesAtWindow = cyclesSoFar()
        let watcher = try NodeStore(path: hub.directory.databasePath)
        let pending = PendingEdits()
        let stop = AtomicFlag()
        let watcherTask = Self.watch(watcher, from: try watcher.changeLogEnd(), reporting: pending, until: stop)
        var peakRSS = hub.memory.rss
        let steadyCPU0 = hub.cpuSeconds, nodesCPU0 = Figures.processCPUSeconds()
        t0 = DispatchTime.now().uptimeNanoseconds
        let windowStart = t0
        // The edits block their thread while they commit: Dispatch's threads, not the pool.
        let editor = Task(executorPreference: ResponderExecutor.shared) {
            try await concurrently(Array(zip(nodes, owned))) { node, ids in
                var count = 0
                var next = DispatchTime.now().uptimeNanoseconds + UInt64(Double.random(in: 0..<editEvery) * 1e9)
                while Self.seconds(since: windowStart) < seconds, let id = ids.randomElement() {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now < next { try await Task.sleep(nanoseconds: next - now) }
                    next += UInt64(editEvery * 1e9)
                    let written = try node.store.updatePerson(.commandLine("bench"), id: id, patch: ["phone": .string("09\(Int.random(in: 10_000_000...99_999_999))")])
                    let counter = VersionVector(validating: written["version"]!)?[node.store.nodeID] ?? 0
                    pending.sent(origin: node.store.nodeID, row: id, counter: counter, at: DispatchTime.now().uptimeNanoseconds)
                    count += 1
                }
                return count
            }
        }
        while Self.seconds(since: t0) < seconds {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            peakRSS = max(peakRSS, hub.memory.rss)
        }
        let edits = try await editor.value.reduce(0, +)
        let drain = DispatchTime.now().uptimeNanoseconds
        while pending.outstanding > 0 && Self.seconds(since: drain) < 60 { try await Task.sleep(nanoseconds: 20_000_000) }
        let window = Self.seconds(since: t0)
        let steadyCPU = hub.cpuSeconds - steadyCPU0, nodesCPU = Figures.processCPUSeconds() - nodesCPU0
        peakRSS = max(peakRSS, hub.memory.rss)
        stop.set()
        try await watcherTask.value
        for node in nodes { await node.client.stop() }
        let cycles = cyclesSoFar() - cyclesAtWindow
        let latencies = pending.latencies().sorted()
        let integrity = try watcher.integrityCheck().joined(separator: " ")
        let held = try watcher.dossierDigests().count
        let diskAfter = Self.databaseBytes(hub.directory.databasePath)

        print("""

              enrolment (first hello + pull of shared data, all nodes at once)   \(Self.fmt(enrolSeconds, 1)) s
              initial sync, nodes → hub      \(pushed) rows in \(Self.fmt(pushSeconds, 1)) s = \(Self.fmt(Double(pushed) / pushSeconds)) rows/s   hub CPU \(Self.fmt(pushCPU, 1)) s (\(Self.fmt(pushCPU / pushSeconds * 100)) % of a core)
                baseline: SQLite batched upsert of the same rows, FULL   \(Self.fmt(upsert)) rows/s   ratio \(Self.fmt(Double(pushed) / pushSeconds / upsert, 2))
                on the wire (JSON bodies, both ways, uncompressed)   \(mib(pushBytes)) MiB = \(Self.fmt(Double(pushBytes) / Double(max(pushed, 1)))) bytes per row
              hub memory                     idle \(Self.fmt(idleRSS)) MiB; after the initial sync \(Self.fmt(afterPush.rss)) MiB (peak \(Self.fmt(afterPush.peak))); steady peak \(Self.fmt(peakRSS)) MiB
              hub disk (database + WAL)      after the initial sync \(mib(disk)) MiB (\(Self.fmt(Double(disk) / Double(max(held, 1)) / 1024, 1)) KiB per dossier); after the steady window \(mib(diskAfter)) MiB
              all loops started at once      every node's first cycle done in \(Self.fmt(herdSeconds, 1)) s; the window opens after \(Self.fmt(max(herdSeconds, interval * 1.5), 1)) s
              steady state                   \(edits) edits (\(Self.fmt(Double(edits) / seconds, 1))/s province-wide), \(cycles) sync cycles; at the hub: \(latencies.count) (\(pending.superseded) inside a newer version)
              commit → at the hub            p50 \(Self.fmt(Figures.percentile(latencies, 0.5) * 1000, 1)) ms   p99 \(Self.fmt(Figures.percentile(latencies, 0.99) * 1000, 1)) ms   max \(Self.fmt((latencies.last ?? 0) * 1000, 1)) ms
              hub CPU, steady                \(Self.fmt(steadyCPU / window * 100, 1)) % of one core   (the \(nodeCount) nodes, in this process: \(Self.fmt(nodesCPU / window * 100, 1)) %)
              hub                            \(held) dossiers; integrity_check \(integrity)
            """)
        fflush(nil)
        guard latencies.count + pending.outstanding == edits, pending.outstanding == 0 else {
            throw BenchError("\(pending.outstanding) of \(edits) edits did not reach the hub within 60 s of the window's end")
        }
    }

    /// Bytes of a database with its WAL.
    static func databaseBytes(_ path: String) -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}
