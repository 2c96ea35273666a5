import Dispatch
import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication

extension SyncBenchmark {
    // MARK: (b) steady state

    struct SteadyResult {
        /// Edits committed at the nodes; seen at the hub (some inside a newer version of the row).
        var edits: Int, applied: Int, superseded: Int = 0
        /// Commit → applied at the hub, ms.
        var p50: Double, p99: Double, max: Double
        var hubCPUPercent: Double, hubRSS: Double
        /// `GET /healthz` to the hub made the way sync makes its requests (hoso's HTTP client, a new
        /// connection each), every 20 ms during the same window: the transport's round trip
        /// with nothing to do at either end, ms.
        var probeP50: Double, probeP99: Double, probes: Int
    }

    /// One edit per second on each of `nodes` nodes (their sync loops running, woken by the
    /// commit) for `seconds`; the time from each local commit to the change appearing in
    /// the hub's change log, next to trivial requests to the same hub in the same window.
    @discardableResult
    func steady(nodes nodeCount: Int, seconds: Double) async throws -> SteadyResult {
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("hoso-bench sync steady: 1 edit/s on each of \(nodeCount) nodes for \(Self.fmt(seconds)) s → hub (separate process); commit-to-applied-at-hub latency")
        let hub = try makeHub(units: nodeCount)
        let nodes = try makeNodes(hub, count: nodeCount, interval: 10, enabled: true)
        try hub.start()
        defer { hub.stop() }
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }
        var ids: [String] = []
        for (i, node) in nodes.enumerated() {
            var data = SampleData(seed: UInt64(i + 11), firstSerial: i * 1_000)
            ids.append(try node.store.createDossier(.commandLine("bench"), data.dossier(unitID: node.unit, historyRows: 10))["id"]!.stringValue!)
        }
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }
        for node in nodes { node.client.start() }

        // The watcher reads the hub's change log as the hub commits it.
        let watcher = try NodeStore(path: hub.directory.databasePath)
        let pending = PendingEdits()
        let stop = AtomicFlag()
        let watcherTask = Self.watch(watcher, from: try watcher.changeLogEnd(), reporting: pending, until: stop)
        let probeStop = AtomicFlag()
        let probeTask = Task.detached { try await Self.probe(port: hub.port, every: 0.02, until: probeStop) }
        let cpu0 = hub.cpuSeconds
        let t0 = DispatchTime.now().uptimeNanoseconds
        let edits = try await concurrently(Array(zip(nodes, ids))) { node, id in
            var count = 0
            var next = DispatchTime.now().uptimeNanoseconds + UInt64.random(in: 0..<1_000_000_000)
            while Self.seconds(since: t0) < seconds {
                let now = DispatchTime.now().uptimeNanoseconds
                if now < next { try await Task.sleep(nanoseconds: next - now) }
                next += 1_000_000_000
                let written = try node.store.updatePerson(.commandLine("bench"), id: id, patch: ["phone": .string("09\(Int.random(in: 10_000_000...99_999_999))")])
                let counter = VersionVector(validating: written["version"]!)?[node.store.nodeID] ?? 0
                pending.sent(origin: node.store.nodeID, row: id, counter: counter, at: DispatchTime.now().uptimeNanoseconds)
                count += 1
            }
            return count
        }
        // Wait for the last edits to reach the hub (at most 30 s), so that slow ones count
        // in the percentiles instead of dropping out of them.
        let drain = DispatchTime.now().uptimeNanoseconds
        while pending.outstanding > 0 && Self.seconds(since: drain) < 30 { try await Task.sleep(nanoseconds: 20_000_000) }
        let window = Self.seconds(since: t0)
        let hubCPU = hub.cpuSeconds - cpu0
        probeStop.set()
        let probed = try await probeTask.value
        stop.set()
        try await watcherTask.value
        for node in nodes { await node.client.stop() }
        let latencies = pending.latencies().sorted()
        let total = edits.reduce(0, +)
        let result = SteadyResult(edits: total, applied: latencies.count, superseded: pending.superseded, p50: Figures.percentile(latencies, 0.5) * 1000,
                                  p99: Figures.percentile(latencies, 0.99) * 1000, max: (latencies.last ?? 0) * 1000,
                                  hubCPUPercent: hubCPU / window * 100, hubRSS: hub.memory.rss,
                                  probeP50: Figures.percentile(probed, 0.5), probeP99: Figures.percentile(probed, 0.99), probes: probed.count)
        defer { fflush(nil) }
        print("""

              edits committed at nodes     \(total) (\(Self.fmt(Double(total) / seconds, 1))/s)   at the hub: \(latencies.count) (\(result.superseded) of them inside a newer version of the row)
              commit → applied at hub      p50 \(Self.fmt(result.p50, 1)) ms   p99 \(Self.fmt(result.p99, 1)) ms   max \(Self.fmt(result.max, 1)) ms   (the hub's change log is read every 2 ms)
              hub CPU                      \(Self.fmt(result.hubCPUPercent, 1)) % of one core   RSS \(Self.fmt(result.hubRSS)) MiB
              GET /healthz at the hub      p50 \(Figures.format(result.probeP50)) ms   p99 \(Figures.format(result.probeP99)) ms   (\(result.probes) requests the way sync makes them — new connection — every 20 ms in the same window)
              baseline: PostgreSQL 15 logical replication replay lag at 1k updates/s: median 0.15 ms, max 9 ms (perf-limits.md §5);
                        one loopback HTTP round trip: ~0.085 ms (nginx); a sync cycle is three (hello, push, pull)
            """)
        return result
    }

    /// Reads the hub's change log after `start` as the hub commits it (every 2 ms) and
    /// reports each entry to `pending`, until `stop`. `start` is the log's end taken
    /// before the first edit, so that no arrival is skipped. On Dispatch's threads, so
    /// that nodes blocking the cooperative pool in the same process do not delay it.
    static func watch(_ hub: NodeStore, from start: Int64, reporting pending: PendingEdits, until stop: AtomicFlag) -> Task<Void, Error> {
        Task.detached(executorPreference: ResponderExecutor.shared) {
            var last = start
            while !stop.isSet {
                let entries = try hub.changeLogTail(after: last, limit: 10_000)
                let now = DispatchTime.now().uptimeNanoseconds
                for entry in entries { pending.arrived(origin: entry.origin, row: entry.rowID, counter: entry.counter, at: now) }
                last = entries.last?.seq ?? last
                try await Task.sleep(nanoseconds: 2_000_000)
            }
        }
    }

    /// `GET /healthz` requests to the hub with hoso's `HTTPClient` (a new connection,
    /// `Connection: close`), as `HTTPSyncTransport` sends its requests to an `http://`
    /// parent, one every `every` seconds until `stop`; the round trips, ms, sorted.
    static func probe(port: Int, every: Double, until stop: AtomicFlag) async throws -> [Double] {
        let client = HTTPClient(idleTimeout: 10)
        let url = URL(string: "http://127.0.0.1:\(port)/healthz")!
        var latencies: [Double] = []
        while !stop.isSet {
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard try await client.send(method: "GET", url: url).status == 200 else { throw BenchError("GET /healthz failed at the hub") }
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            try await Task.sleep(nanoseconds: UInt64(every * 1e9))
        }
        return latencies.sorted()
    }
}

/// Edits committed at the nodes and seen at the hub. An edit is at the hub when the hub's
/// change log holds that row from that origin at the edit's counter or a later one: a
/// cycle that starts after two edits of the same row pushes only the newer version, which
/// carries the older edit too (its latency is then until the newer one arrived). An edit
/// can also show up at the hub before its node's task has recorded the commit (the task
/// was not scheduled in between): it counts as 0 ms then.
///
/// `@unchecked Sendable`: `lock` guards the maps and counts.
final class PendingEdits: @unchecked Sendable {
    private let lock = NSLock()
    /// Per "origin row", the edits not yet seen at the hub, in commit order.
    private var waiting: [String: [(counter: Int64, at: UInt64)]] = [:]
    /// Per "origin row", the highest counter seen at the hub and when.
    private var seen: [String: (counter: Int64, at: UInt64)] = [:]
    private var done: [Double] = []
    private var supersededCount = 0

    func sent(origin: String, row: String, counter: Int64, at time: UInt64) {
        lock.lock(); defer { lock.unlock() }
        let key = origin + " " + row
        if let arrival = seen[key], arrival.counter >= counter {
            done.append(Double(arrival.at - min(time, arrival.at)) / 1e9)
        } else {
            waiting[key, default: []].append((counter, time))
        }
    }

    func arrived(origin: String, row: String, counter: Int64, at time: UInt64) {
        lock.lock(); defer { lock.unlock() }
        let key = origin + " " + row
        if counter > (seen[key]?.counter ?? Int64.min) { seen[key] = (counter, time) }
        guard let edits = waiting[key] else { return }
        let (reached, still) = (edits.filter { $0.counter <= counter }, edits.filter { $0.counter > counter })
        for edit in reached {
            done.append(Double(time - min(edit.at, time)) / 1e9)
            if edit.counter < counter { supersededCount += 1 }
        }
        waiting[key] = still.isEmpty ? nil : still
    }

    /// Commit → seen at the hub, seconds, one per edit that arrived.
    func latencies() -> [Double] { lock.lock(); defer { lock.unlock() }; return done }

    /// Edits that reached the hub inside a newer version of their row.
    var superseded: Int { lock.lock(); defer { lock.unlock() }; return supersededCount }

    /// Edits committed at a node and not yet seen at the hub.
    var outstanding: Int { lock.lock(); defer { lock.unlock() }; return waiting.values.reduce(0) { $0 + $1.count } }
}

/// `@unchecked Sendable`: `lock` guards `value`.
final class AtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
