import Dispatch
import Foundation
import HosoDomain
import HosoNode
import HosoSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Issue-2 benchmark: create N dossiers with ~20 history rows each through the HTTP API
/// over loopback; compare with inserting the same rows straight into SQLite.
struct WriteBenchmark {
    let dossiers: Int
    let clients: Int
    let historyRows: Int

    func run() throws {
        let root = NSTemporaryDirectory() + "hoso-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("hoso-bench write: \(dossiers) dossiers × ~\(historyRows) history rows, \(clients) keep-alive clients, loopback HTTP")

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
        let baseline = try rawInsertBaseline(root: root, documents: documents)

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
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: clients) { c in
            guard let client = try? HTTPLoadClient(port: port) else { failures.add(0); return }
            var i = c
            while i < documents.count {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let result = try? client.request("POST", "/api/dossiers", body: documents[i],
                                                 headers: ["Content-Type": "application/json", "Authorization": "Bearer \(tokens[c])"])
                let t1 = DispatchTime.now().uptimeNanoseconds
                if result?.0 == 201 { latencies.add(Double(t1 - t0) / 1e6) } else { failures.add(Double(result?.0 ?? -1)) }
                i += clients
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let ok = latencies.count
        let rate = Double(ok) / seconds
        let sorted = latencies.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

        print("")
        print(String(format: "  raw SQLite baseline    %8.0f dossiers/s  (%8.0f rows/s; %d rows per dossier, one transaction each)",
                     baseline, baseline * Double(rowsPerDossier), rowsPerDossier))
        print(String(format: "  hoso HTTP API          %8.0f dossiers/s  (%8.0f rows/s)   ok %d, failed %d, %.2f s",
                     rate, rate * Double(rowsPerDossier), ok, failures.count, seconds))
        print(String(format: "  latency per dossier    p50 %.2f ms   p99 %.2f ms   max %.2f ms", pct(0.50), pct(0.99), sorted.last ?? 0))
        print(String(format: "  ratio hoso / baseline  %.3f  (the API validates, audits, logs changes, authenticates and speaks JSON over HTTP)", rate / baseline))
        print(String(format: "  peak RSS               %.1f MiB", peakRSSMiB()))
        fflush(nil)
        print("  integrity_check        \(try runtime.store.integrityCheck().joined(separator: ","))")
    }

    /// Inserts the same dossiers straight into tables of the same shape, no validation, no audit.
    func rawInsertBaseline(root: String, documents: [[UInt8]]) throws -> Double {
        let connection = try Connection(path: root + "/baseline.sqlite")
        try NodeSchema.migrator.migrate(connection)
        try connection.execute("PRAGMA foreign_keys = OFF")
        try connection.execute("INSERT INTO units(id, code, name, origin, created_at, updated_at) VALUES ('u', 'U', 'U', 'n', 'now', 'now')")
        let parsed = documents.map { (try? JSONValue.parse(String(decoding: $0, as: UTF8.self)))?.objectValue ?? [:] }
        let start = DispatchTime.now().uptimeNanoseconds
        for doc in parsed {
            try connection.transaction {
                let personID = RecordID.make()
                let personFields = DossierSchema.person.fields.filter { doc[$0.name] != nil }
                let columns = ["id", "unit_id", "name_fold", "name_sort", "origin", "created_at", "updated_at"] + personFields.map(\.name)
                var values: [DatabaseValueConvertible] = [personID, "u", "", "", "n", "now", "now"]
                for field in personFields { values.append(Self.plain(doc[field.name]!)) }
                try connection.execute("INSERT INTO person(\(columns.joined(separator: ","))) VALUES (\(columns.map { _ in "?" }.joined(separator: ",")))", values)
                for kind in DossierSchema.subRecordKinds {
                    for row in doc[kind.jsonKey]?.arrayValue ?? [] {
                        let fields = kind.fields.filter { row[$0.name] != .null }
                        let cols = ["id", "person_id", "origin", "created_at", "updated_at"] + fields.map(\.name)
                        var vals: [DatabaseValueConvertible] = [RecordID.make(), personID, "n", "now", "now"]
                        for field in fields { vals.append(Self.plain(row[field.name])) }
                        try connection.execute("INSERT INTO \(kind.name)(\(cols.joined(separator: ","))) VALUES (\(cols.map { _ in "?" }.joined(separator: ",")))", vals)
                    }
                }
            }
        }
        return Double(parsed.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func plain(_ value: JSONValue) -> DatabaseValueConvertible {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b
        default: DatabaseValue.null
        }
    }

    func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
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
