import Dispatch
import Foundation
import HosoDomain
import HosoNode

extension SyncBenchmark {
    // MARK: (c) polling load

    struct PollResult {
        /// Hub CPU while polled, % of one core.
        var hubCPUPercent: Double
        /// Sync cycles (handshakes) and requests the nodes made in the window, counted at
        /// their transports; hub CPU per cycle, ms.
        var cycles: Int, requests: Int, cpuPerCycle: Double
        var cyclesPerSecond: Double
        var idleCPUPercent: Double
        /// Hub RSS, MiB: while polled, its peak, and idle before any node had synced.
        var rss: Double, peak: Double, idleRSS: Double
        var contacts: Int
        /// Hub CPU per `GET /healthz`, ms: each on a new connection closed after the answer
        /// (as sync sends its requests), and back to back on one keep-alive connection.
        var healthzCPU: Double, healthzKeepAliveCPU: Double
        /// The baseline of a cycle: `healthzCPU` times the requests a cycle made, ms.
        var baselinePerCycle: Double { cycles > 0 ? healthzCPU * Double(requests) / Double(cycles) : 0 }
    }

    /// `nodes` idle nodes poll the hub every `interval` seconds (±20 %); the hub process's
    /// CPU and memory during a window of `seconds`, next to the same hub answering trivial
    /// requests.
    @discardableResult
    func poll(nodes nodeCount: Int, seconds: Double, interval: Double) async throws -> PollResult {
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("hoso-bench sync poll: \(nodeCount) idle nodes polling every \(Self.fmt(interval)) s (±20 %) for \(Self.fmt(seconds)) s; hub process CPU and memory")
        let hub = try makeHub(units: nodeCount)
        var dossierCount = 0
        for i in 0..<nodeCount {
            var data = SampleData(seed: UInt64(i + 101), firstSerial: i * 1_000)
            for _ in 0..<5 { _ = try hub.store.createDossier(.commandLine("bench"), data.dossier(unitID: hub.units["B\(i)"]!, historyRows: 10)); dossierCount += 1 }
        }
        let nodes = try makeNodes(hub, count: nodeCount, interval: interval, enabled: true)
        try hub.start()
        defer { hub.stop() }
        let idle0 = hub.cpuSeconds
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let idle = (hub.cpuSeconds - idle0) / 2
        let idleRSS = hub.memory.rss
        // The baseline: the same hub process answering requests with nothing to do.
        let (healthzCPU, healthzCount) = try Self.trivialRequestCPU(hub, seconds: 2, newConnection: true)
        let (keepAliveCPU, keepAliveCount) = try Self.trivialRequestCPU(hub, seconds: 1, newConnection: false)
        var t0 = DispatchTime.now().uptimeNanoseconds
        _ = try await concurrently(nodes) { try await $0.client.syncOnce() }
        let firstSync = Self.seconds(since: t0)
        for node in nodes { node.client.start() }
        try await Task.sleep(nanoseconds: UInt64(interval * 1.5e9))   // let the schedule spread out
        func counted() -> (requests: Int, cycles: Int) {
            nodes.compactMap(\.transport?.totals).reduce((0, 0)) { ($0.0 + $1.requests, $0.1 + $1.cycles) }
        }
        let before = counted()
        let cpu0 = hub.cpuSeconds
        t0 = DispatchTime.now().uptimeNanoseconds
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        let window = Self.seconds(since: t0)
        let hubCPU = hub.cpuSeconds - cpu0
        let after = counted()
        let memory = hub.memory
        let children = try hub.store.children()
        for node in nodes { await node.client.stop() }
        let contacts = children.filter { $0.last_contact_at != nil }.count
        let cycles = after.cycles - before.cycles, requests = after.requests - before.requests
        guard cycles > 0 else { throw BenchError("no sync cycle reached the hub in the polling window") }
        let result = PollResult(hubCPUPercent: hubCPU / window * 100, cycles: cycles, requests: requests, cpuPerCycle: hubCPU / Double(cycles) * 1000,
                                cyclesPerSecond: Double(cycles) / window, idleCPUPercent: idle * 100, rss: memory.rss, peak: memory.peak,
                                idleRSS: idleRSS, contacts: contacts, healthzCPU: healthzCPU, healthzKeepAliveCPU: keepAliveCPU)
        defer { fflush(nil) }
        print("""

              first sync of all nodes      \(Self.fmt(firstSync, 1)) s (\(dossierCount) dossiers, catalogues, units)
              cycles in the window         \(cycles) (\(Self.fmt(result.cyclesPerSecond, 1))/s; \(requests) requests, \(Self.fmt(Double(requests) / Double(cycles), 2)) per cycle; counted at the nodes' transports)
              hub CPU while polled         \(Self.fmt(result.hubCPUPercent, 1)) % of one core   (\(Self.fmt(result.cpuPerCycle, 2)) ms CPU per cycle)
              hub CPU idle, no nodes       \(Self.fmt(idle * 100, 1)) %
              hub CPU per GET /healthz     \(Self.fmt(healthzCPU, 3)) ms on a new connection each (\(healthzCount) requests); \(Self.fmt(keepAliveCPU, 3)) ms back to back on one connection (\(keepAliveCount))
                                           baseline of a cycle: \(Self.fmt(result.baselinePerCycle, 3)) ms (new-connection requests × requests per cycle)
              hub RSS                      \(Self.fmt(memory.rss)) MiB (peak \(Self.fmt(memory.peak)); idle before any node synced \(Self.fmt(idleRSS)) MiB)
              nodes in contact             \(contacts)/\(nodeCount)
              baseline: nginx serves ~105k small POSTs/s on this machine (perf-limits.md §4): \(Self.fmt(Double(requests) / window)) requests/s is \(Self.fmt(Double(requests) / window / 105_000 * 100, 3)) % of it
            """)
        return result
    }

    /// The hub's CPU per `GET /healthz`, ms, over `seconds` of requests one after the other:
    /// each on a new connection with `Connection: close` (as `HTTPSyncTransport` sends its
    /// requests), or all on one keep-alive connection. Also returns how many were made.
    static func trivialRequestCPU(_ hub: Hub, seconds: Double, newConnection: Bool) throws -> (Double, Int) {
        let cpu0 = hub.cpuSeconds
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        var count = 0
        var client = try HTTPLoadClient(port: hub.port)
        while DispatchTime.now().uptimeNanoseconds < end {
            if newConnection, count > 0 { client = try HTTPLoadClient(port: hub.port) }
            let (status, _) = try client.request("GET", "/healthz", headers: newConnection ? ["Connection": "close"] : [:])
            guard status == 200 else { throw BenchError("GET /healthz answered \(status) at the hub") }
            count += 1
        }
        return ((hub.cpuSeconds - cpu0) / Double(max(count, 1)) * 1000, count)
    }
}
