import Dispatch
import Foundation
import HosoDomain
import HosoNode
import HosoSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Issue-2 benchmark: create N dossiers with ~20 history rows each through the HTTP API
/// over loopback (three quarters from C clients at once for the throughput, the rest from
/// one client for the latency); compare with inserting the same rows straight into
/// SQLite. Then one dossier read back through the API, next to the loopback HTTP ceiling.
///
/// The dossiers go in `rounds` alternating chunks (raw SQLite, then the API, then raw
/// again…) so that load from elsewhere on the machine falls on both sides; the figures
/// are the medians over the rounds.
struct WriteBenchmark {
    let dossiers: Int
    let clients: Int
    let historyRows: Int
    var rounds = 1
    /// Seconds per load run of the read comparison (0: skip it), and how many runs.
    var readSeconds = 2.0
    var readRepeats = 3

    struct Result {
        var rowsPerDossier: Int
        /// Dossiers per second, medians over the rounds.
        var apiRate: Double, baselineRate: Double
        /// Per-dossier latency with one client, ms: the API request; the raw transaction; the
        /// same document posted to the loopback HTTP ceiling (a trivial server answering as
        /// many bytes); and the floor of a write over HTTP: raw transaction + ceiling round
        /// trip (p50s added, median over the rounds).
        var apiP50: Double, apiP99: Double, baselineP50: Double, baselineP99: Double
        var ceilingP50: Double = 0, ceilingP99: Double = 0, floorP50: Double = 0
        var ok: Int, failed: Int
        /// Medians of the rounds' ratios (API / raw) of the rate and of the p50 latency.
        var rateRatio: Double?, p50Ratio: Double?
        /// CPU of this process per dossier, ms (API: server and load client), medians over the rounds.
        var apiCPU: Double = 0, baselineCPU: Double = 0, cpuRatio: Double?
        var read: HTTPComparison?
    }

    @discardableResult
    func run() throws -> Result {
        let root = NSTemporaryDirectory() + "hoso-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("hoso-bench write: \(dossiers) dossiers × ~\(historyRows) history rows, \(clients) keep-alive clients, loopback HTTP, \(rounds) round(s)")

        // Generate the documents once, outside the timed parts.
        let setupDir = DataDirectory(root + "/node")
        try setupDir.create()
        try setupDir.save(NodeConfiguration(name: "bench", host: "127.0.0.1", port: 0))
        let setupStore = try NodeStore(path: setupDir.databasePath)
        let units = try DemoSeeder(store: setupStore).seedUnitsAndAccounts(hashCost: 1)
        let staffUnits = ["DT.SNV", "DT.STC.NS", "DT.STC.TH", "DT.SGD.TCCB", "DT.XMA.VP", "DT.PCL"].compactMap { units[$0] }
        var generator = SampleData(seed: 42)
        let documents: [[UInt8]] = (0..<dossiers).map { i in
            Array(JSONValue.object(generator.dossier(unitID: staffUnits[i % staffUnits.count], historyRows: historyRows)).jsonString().utf8)
        }
        let rowsPerDossier = 1 + (documents.first.flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) }.map { doc in
            DossierSchema.subRecordKinds.reduce(0) { $0 + (doc[$1.jsonKey].arrayValue?.count ?? 0) }
        } ?? 0)

        // Baseline: the same rows into a raw SQLite table set, prepared statements, one transaction per dossier.
        let baseline = try RawInsertBaseline(path: root + "/baseline.sqlite")

        // hoso over HTTP.
        let runtime = try NodeRuntime(directory: setupDir, log: Log(component: "bench", level: .error))
        let port = try runtime.start()
        defer { runtime.stop() }
        let tokens: [String] = try (0..<clients).map { _ in
            let client = try HTTPLoadClient(port: port)
            let (status, body) = try client.request("POST", "/api/session", body: Array("{\"username\":\"admin\",\"password\":\"\(DemoSeeder.demoPassword)\"}".utf8),
                                                    headers: ["Content-Type": "application/json"])
            guard status == 200, let token = try JSONValue.parse(String(decoding: body, as: UTF8.self))["token"].stringValue else { throw BenchError("login failed: \(status)") }
            return token
        }
        let latencies = LatencyRecorder()
        let failures = LatencyRecorder()
        var apiRates: [Double] = [], baselineRates: [Double] = []
        var baselineLatencies: [Double] = []
        var apiP50s: [Double] = [], baselineP50s: [Double] = []
        var apiCPUs: [Double] = [], baselineCPUs: [Double] = []
        let chunk = (documents.count + rounds - 1) / max(rounds, 1)
        var ok = 0
        var ceiling: HTTPCeiling?
        var ceilingLatencies: [Double] = [], floorP50s: [Double] = []
        for lower in stride(from: 0, to: documents.count, by: max(chunk, 1)) {
            let part = Array(documents[lower..<min(lower + chunk, documents.count)])
            // The baseline gets its documents already parsed: it has no JSON to read, and
            // its CPU and time count the inserts alone.
            let parsed = RawInsertBaseline.parse(part)
            let rawCPU0 = Figures.processCPUSeconds()
            let raw = try baseline.insert(parsed)
            baselineCPUs.append((Figures.processCPUSeconds() - rawCPU0) / Double(part.count) * 1000)
            baselineRates.append(raw.rate)
            baselineLatencies += raw.latencies
            baselineP50s.append(Figures.percentile(raw.latencies.sorted(), 0.5))
            // Throughput: three quarters of the part from `clients` clients at once.
            let concurrent = part.count - part.count / 4
            let done = LatencyRecorder()
            let apiCPU0 = Figures.processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            Load.onThreads(clients) { c in
                guard let client = try? HTTPLoadClient(port: port) else { failures.add(0); return }
                var i = c
                while i < concurrent {
                    let result = try? client.request("POST", "/api/dossiers", body: part[i],
                                                     headers: ["Content-Type": "application/json", "Authorization": "Bearer \(tokens[c])"])
                    if result?.0 == 201 { done.add(0) } else { failures.add(Double(result?.0 ?? -1)) }
                    i += clients
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            apiRates.append(Double(done.count) / seconds)
            apiCPUs.append((Figures.processCPUSeconds() - apiCPU0) / Double(max(done.count, 1)) * 1000)
            ok += done.count
            // Latency: the last quarter one request at a time (what one user waits for, without
            // queueing behind other clients — the raw baseline is one transaction at a time too).
            let client = try HTTPLoadClient(port: port)
            var roundLatencies: [Double] = []
            for document in part[concurrent...] {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let result = try? client.request("POST", "/api/dossiers", body: document,
                                                 headers: ["Content-Type": "application/json", "Authorization": "Bearer \(tokens[0])"])
                let t1 = DispatchTime.now().uptimeNanoseconds
                if result?.0 == 201 { latencies.add(Double(t1 - t0) / 1e6); roundLatencies.append(Double(t1 - t0) / 1e6); ok += 1 } else { failures.add(Double(result?.0 ?? -1)) }
                if ceiling == nil, let body = result?.1 { ceiling = try HTTPCeiling(body: body) }
            }
            apiP50s.append(Figures.percentile(roundLatencies.sorted(), 0.5))
            // The same documents posted to the loopback HTTP ceiling, answered with as many bytes.
            if let ceiling {
                let trivial = try HTTPLoadClient(port: ceiling.port)
                var trips: [Double] = []
                for document in part[concurrent...] {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try trivial.request("POST", "/fixed", body: document, headers: ["Content-Type": "application/json"])
                    trips.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                ceilingLatencies += trips
                floorP50s.append(Figures.percentile(raw.latencies.sorted(), 0.5) + Figures.percentile(trips.sorted(), 0.5))
            }
        }
        ceiling?.stop()
        let sorted = latencies.sorted()
        let rawSorted = baselineLatencies.sorted()
        var result = Result(rowsPerDossier: rowsPerDossier, apiRate: Figures.median(apiRates), baselineRate: Figures.median(baselineRates),
                            apiP50: Figures.percentile(sorted, 0.5), apiP99: Figures.percentile(sorted, 0.99),
                            baselineP50: Figures.percentile(rawSorted, 0.5), baselineP99: Figures.percentile(rawSorted, 0.99),
                            ok: ok, failed: failures.count,
                            rateRatio: Measure.pairedRatio(apiRates, baselineRates), p50Ratio: Measure.pairedRatio(apiP50s, floorP50s),
                            apiCPU: Figures.median(apiCPUs), baselineCPU: Figures.median(baselineCPUs), cpuRatio: Measure.pairedRatio(apiCPUs, baselineCPUs), read: nil)
        let ceilingSorted = ceilingLatencies.sorted()
        result.ceilingP50 = Figures.percentile(ceilingSorted, 0.5)
        result.ceilingP99 = Figures.percentile(ceilingSorted, 0.99)
        result.floorP50 = Figures.median(floorP50s)

        print("")
        print(String(format: "  raw SQLite baseline    %8.0f dossiers/s  (%8.0f rows/s; %d rows per dossier, one transaction each)",
                     result.baselineRate, result.baselineRate * Double(rowsPerDossier), rowsPerDossier))
        print(String(format: "  hoso HTTP API          %8.0f dossiers/s  (%8.0f rows/s)   ok %d, failed %d",
                     result.apiRate, result.apiRate * Double(rowsPerDossier), result.ok, result.failed))
        print(String(format: "  latency, 1 client      p50 %.2f ms   p99 %.2f ms   max %.2f ms   (raw SQLite transaction: p50 %.2f ms, p99 %.2f ms;",
                     result.apiP50, result.apiP99, sorted.last ?? 0, result.baselineP50, result.baselineP99))
        print(String(format: "                         same document to the HTTP ceiling: p50 %.3f ms, p99 %.3f ms; floor = raw + ceiling p50 = %.2f ms)",
                     result.ceilingP50, result.ceilingP99, result.floorP50))
        print(String(format: "  CPU per dossier        API %.2f ms (server + load client)   raw SQLite %.2f ms", result.apiCPU, result.baselineCPU))
        print(String(format: "  ratio hoso / baseline  %.3f  (the API validates, audits, logs changes, authenticates and speaks JSON over HTTP)", result.apiRate / result.baselineRate))
        fflush(nil)

        if readSeconds > 0, let id = try runtime.store.db.read({ try $0.scalar("SELECT id FROM person WHERE deleted = 0 ORDER BY id LIMIT 1", as: String.self) }) {
            let read = try HTTPComparison.measure(apiPort: port, path: "/api/dossiers/\(id)", headers: ["Authorization": "Bearer \(tokens[0])"],
                                                  clients: clients, seconds: readSeconds, repeats: readRepeats)
            read.printLines(clients: clients, path: "/api/dossiers/{id}")
            result.read = read
        }
        print(String(format: "  peak RSS               %.1f MiB", Figures.peakRSSMiB()))
        print("  integrity_check        \(try runtime.store.integrityCheck().joined(separator: ","))")
        fflush(nil)
        return result
    }
}

/// Thread-safe collection of samples. `@unchecked Sendable`: `lock` guards `values`.
final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ v: Double) { lock.lock(); values.append(v); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return values.count }
    func sorted() -> [Double] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
}
