import Dispatch
import Foundation
import HosoHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Figures of one load run: requests per second and per-request latency.
struct LoadResult: Sendable {
    var requests: Int
    var failures: Int
    var seconds: Double
    /// Round-trip times, milliseconds, sorted.
    var latencies: [Double]
    /// CPU this process used during the run (client and, when in-process, server), seconds.
    var cpuSeconds: Double

    var rate: Double { Double(requests) / seconds }
    var p50: Double { Figures.percentile(latencies, 0.5) }
    var p99: Double { Figures.percentile(latencies, 0.99) }
}

enum Load {
    /// Runs `body(i)` on `count` real threads at once and waits for them all.
    /// (`DispatchQueue.concurrentPerform` would run only as many at once as there are cores.)
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            let thread = Thread {
                body(i)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    /// `clients` keep-alive connections, each sending the same request back to back for
    /// `seconds`. A request counts when its status is `expect`.
    static func hammer(port: Int, clients: Int, seconds: Double, method: String = "GET", path: String, body: [UInt8] = [],
                       headers: [String: String] = [:], expect: Int = 200) -> LoadResult {
        let latencies = LatencyRecorder()
        let failures = LatencyRecorder()
        let cpu0 = Figures.processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(seconds * 1e9)
        onThreads(clients) { _ in
            guard let client = try? HTTPLoadClient(port: port) else { failures.add(0); return }
            while DispatchTime.now().uptimeNanoseconds < end {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let status = (try? client.request(method, path, body: body, headers: headers))?.0
                let t1 = DispatchTime.now().uptimeNanoseconds
                if status == expect { latencies.add(Double(t1 - t0) / 1e6) } else { failures.add(Double(status ?? -1)); return }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let sorted = latencies.sorted()
        return LoadResult(requests: sorted.count, failures: failures.count, seconds: elapsed, latencies: sorted,
                          cpuSeconds: Figures.processCPUSeconds() - cpu0)
    }
}

/// The loopback HTTP ceiling: hoso's own `HTTPServer` with a responder that answers every
/// request with the same fixed body — no routing, no authentication, no logging, no JSON,
/// no SQLite. What the API does is measured against it with the same load client.
final class HTTPCeiling: @unchecked Sendable {
    struct Fixed: HTTPResponder {
        let body: [UInt8]
        func respond(to request: HTTPRequest) async -> HTTPResponse {
            HTTPResponse.bytes(body, contentType: "application/json")
        }
    }

    private let server: HTTPServer
    let port: Int

    /// A server answering `body` (e.g. bytes the size of the API's answer it is compared with).
    init(body: [UInt8]) throws {
        server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: Fixed(body: body))
        port = try server.start()
    }

    deinit { server.stop() }
    func stop() { server.stop() }
}

/// The ceiling and an API request, measured alternately `repeats` times each way (C
/// keep-alive clients for throughput, one connection for latency) so that a burst of
/// load from elsewhere on the machine hits both sides; the figures are medians.
struct HTTPComparison: Sendable {
    var ceilingRate: Double, apiRate: Double
    var ceilingP50: Double, apiP50: Double
    var ceilingP99: Double, apiP99: Double
    /// CPU this process spent per ceiling request (load client and server together), ms.
    var ceilingCPUPerRequest: Double
    var bodyBytes: Int
    /// Medians of the repeats' ratios (API / ceiling).
    var rateRatio: Double?, p50Ratio: Double?

    static func measure(apiPort: Int, path: String, headers: [String: String], clients: Int, seconds: Double, repeats: Int) throws -> HTTPComparison {
        // The API's answer, so that the ceiling sends a body of the same size.
        let probe = try HTTPLoadClient(port: apiPort)
        let (status, body) = try probe.request("GET", path, headers: headers)
        guard status == 200 else { throw BenchError("GET \(path) answered \(status)") }
        let ceiling = try HTTPCeiling(body: body)
        defer { ceiling.stop() }
        var runs: [(c: LoadResult, a: LoadResult, c1: LoadResult, a1: LoadResult)] = []
        for _ in 0..<repeats {
            let c = Load.hammer(port: ceiling.port, clients: clients, seconds: seconds, path: "/fixed")
            let a = Load.hammer(port: apiPort, clients: clients, seconds: seconds, path: path, headers: headers)
            let c1 = Load.hammer(port: ceiling.port, clients: 1, seconds: seconds, path: "/fixed")
            let a1 = Load.hammer(port: apiPort, clients: 1, seconds: seconds, path: path, headers: headers)
            guard a.failures == 0, a1.failures == 0, c.failures == 0, c1.failures == 0 else {
                throw BenchError("HTTP comparison: requests failed (api \(a.failures + a1.failures), ceiling \(c.failures + c1.failures))")
            }
            runs.append((c, a, c1, a1))
        }
        return HTTPComparison(
            ceilingRate: Figures.median(runs.map(\.c.rate)), apiRate: Figures.median(runs.map(\.a.rate)),
            ceilingP50: Figures.median(runs.map(\.c1.p50)), apiP50: Figures.median(runs.map(\.a1.p50)),
            ceilingP99: Figures.median(runs.map(\.c1.p99)), apiP99: Figures.median(runs.map(\.a1.p99)),
            ceilingCPUPerRequest: Figures.median(runs.map { $0.c.cpuSeconds / Double(max($0.c.requests, 1)) * 1000 }),
            bodyBytes: body.count,
            rateRatio: Measure.pairedRatio(runs.map(\.a.rate), runs.map(\.c.rate)), p50Ratio: Measure.pairedRatio(runs.map(\.a1.p50), runs.map(\.c1.p50)))
    }

    func printLines(clients: Int, path: String) {
        print("""
              GET \(path) (\(bodyBytes) B) through the API vs the ceiling (hoso's HTTPServer answering the same bytes; medians):
                \(clients) keep-alive clients     API \(Figures.format(apiRate)) req/s   ceiling \(Figures.format(ceilingRate)) req/s   ratio \(Figures.format(apiRate / ceilingRate))
                1 connection, p50      API \(Figures.format(apiP50)) ms   ceiling \(Figures.format(ceilingP50)) ms
                1 connection, p99      API \(Figures.format(apiP99)) ms   ceiling \(Figures.format(ceilingP99)) ms
                ceiling CPU per request (client + server, one process) \(Figures.format(ceilingCPUPerRequest)) ms
            """)
    }
}
