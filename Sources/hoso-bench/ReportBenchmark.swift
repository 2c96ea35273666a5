import Dispatch
import Foundation
import HosoDomain
import HosoNode
import HosoSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Issue-6 benchmark: a generated province (20 departments with 3 offices each, 40
/// communes) of D dossiers. Prints search latency percentiles for typical queries, each
/// TT 11/2012 form's generation time, the XLSX export's time and size, and the alerts —
/// next to SQLite's own time for the bare query or scan underneath, measured in the same run.
struct ReportBenchmark {
    let dossiers: Int
    let historyRows: Int
    /// Reuse (or keep) the generated database here.
    let dataPath: String?
    /// Runs of each search (ours and the raw query, alternately) and of each form.
    var searchRuns = 40
    var formRuns = 3

    struct Timing {
        var key: String, label: String
        /// Wall seconds: ours (p50 for searches, best run for forms) and the raw SQLite baseline.
        var ours: Double, ours95: Double, raw: Double
        /// CPU seconds of this process per run, medians: ours and the raw baseline. Unlike
        /// wall time, not stretched when another job takes the cores away mid-run.
        var oursCPU: Double, rawCPU: Double
    }

    /// Repeated runs of one operation: wall and CPU seconds of each, both sorted.
    struct Runs {
        var wall: [Double] = [], cpu: [Double] = []
        var best: Double { wall.first ?? 0 }
        var medianCPU: Double { Figures.median(cpu) }
    }
    struct Result {
        var generatedRate: Double?
        var searches: [Timing] = []
        /// Forms (JSON table), XLSX exports and the alerts, against the raw scan.
        var reports: [Timing] = []
        var rawScan: Double = 0
    }

    @discardableResult
    func run() throws -> Result {
        let directory = dataPath ?? NSTemporaryDirectory() + "hoso-report-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if dataPath == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let path = directory + "/hoso.sqlite"
        let exists = FileManager.default.fileExists(atPath: path)
        let store = try NodeStore(path: path)
        let admin = Principal.commandLine("bench")
        print("hoso-bench reports: \(dossiers) dossiers × ~\(historyRows + 1) rows, one node, release build expected")
        let root: String
        var result = Result()
        if exists, let id = try store.db.read({ try $0.scalar("SELECT id FROM units WHERE code = 'TINH'", as: String.self) }) {
            root = id
            let count = try store.db.read { try $0.scalar("SELECT count(*) FROM person", as: Int.self) } ?? 0
            print("  reusing \(path): \(count) dossiers")
        } else {
            (root, result.generatedRate) = try generate(store, admin)
        }

        // Search: typical queries, each repeated.
        print("\nSearch (store.search, page of 50, sorted by Vietnamese name; \(searchRuns) runs each, alternating with the raw query)")
        // The raw query counts the live rows matching the same selective conditions
        // store.search builds (NodeStore.searchConditions), over the same index or FTS5 table
        // (`deleted = 0` lets the partial index on personal_id serve it, as in ours) —
        // without the reach and transfer conditions, the sorted page of summaries and the
        // unit names.
        let dept = try store.db.read { try $0.scalar("SELECT id FROM units WHERE code = 'SO01'", as: String.self) } ?? root
        let deptUnits: [DatabaseValueConvertible] = try store.db.read { c in
            try c.rows("SELECT id FROM units WHERE id = ? OR parent_id = ?", [dept, dept]).compactMap { $0.get("id", as: String.self) }
        }
        let today = CalendarDate.today().iso
        func yearsAgo(_ years: Int) -> String { String(Int(today.prefix(4))! - years) + today.dropFirst(4) }
        let queries: [(String, JSONObject, String, [DatabaseValueConvertible], String)] = [
            ("name 'nguyen van'", ["name": "nguyen van"],
             "SELECT count(*) FROM person_fts WHERE person_fts MATCH ?", ["\"nguyen\"* AND \"van\"*"], "search.name"),
            ("name 'thị hoa'", ["name": "thị hoa"], "SELECT count(*) FROM person_fts WHERE person_fts MATCH ?", ["\"thi\"* AND \"hoa\"*"], "search.name2"),
            ("women, Party members, one department", ["sex": "2", "party_member": true, "unit_id": .string(dept)],
             "SELECT count(*) FROM person WHERE deleted = 0 AND unit_id IN (\(deptUnits.map { _ in "?" }.joined(separator: ","))) AND sex = '2' AND party_join_date IS NOT NULL",
             deptUnits, "search.filters"),
            ("age 30–40 with a university degree", ["age_min": 30, "age_max": 40, "qualification": ["DH"]],
             "SELECT count(*) FROM person WHERE deleted = 0 AND qualification = 'DH' AND birth_date <= ? AND birth_date > ?", [yearsAgo(30), yearsAgo(41)], "search.age"),
            ("personal id, 6 digits", ["personal_id": "087085"], "SELECT count(*) FROM person WHERE deleted = 0 AND personal_id >= ? AND personal_id < ?",
             ["087085", "087085:"], "search.id6"),
            ("personal id, 4 digits (half the province)", ["personal_id": "0871"], "SELECT count(*) FROM person WHERE deleted = 0 AND personal_id >= ? AND personal_id < ?",
             ["0871", "0871:"], "search.id4"),
        ]
        print("  query                                            ours p50    p95     raw SQLite p50   ratio   matches")
        for (label, criteria, rawSQL, rawArgs, key) in queries {
            let parsed = try SearchCriteria(json: .object(criteria))
            var total = 0, rawTotal = 0
            let (o, r) = try Self.alternating(searchRuns, { total = try store.search(admin, parsed).total },
                                              { rawTotal = try store.db.read { try $0.scalar(rawSQL, rawArgs, as: Int.self) } ?? -1 })
            // The same conditions must find the same dossiers (none is deleted or transferred here).
            guard total == rawTotal else { throw BenchError("\(key): store.search found \(total) dossiers, the raw query \(rawTotal)") }
            let (ours, raw) = (o.wall, r.wall)
            result.searches.append(Timing(key: key, label: label, ours: Self.p(ours, 0.5), ours95: Self.p(ours, 0.95), raw: Self.p(raw, 0.5),
                                          oursCPU: o.medianCPU, rawCPU: r.medianCPU))
            print("  \(label.padding(toLength: 48, withPad: " ", startingAt: 0)) \(Self.ms(ours, 0.5)) \(Self.ms(ours, 0.95))   \(Self.ms(raw, 0.5))        \(Self.ratio(Self.p(ours, 0.5), Self.p(raw, 0.5)))   \(total)   CPU \(Self.fmt(o.medianCPU * 1000, 3)) vs \(Self.fmt(r.medianCPU * 1000, 3)) ms")
        }

        // Forms: the whole province, as of today.
        print("\nTT 11/2012 forms for the whole province (JSON table, then XLSX; \(formRuns) runs each, best)")
        // The baseline scan runs alternately with each form, so that both see the same load.
        let rawScan = {
            _ = try store.db.snapshotRead { c in try c.rows("SELECT \(NodeStore.reportColumns.map { "p.\($0)" }.joined(separator: ", ")) FROM person p WHERE p.deleted = 0").count }
            _ = try store.db.snapshotRead { c in try c.rows("SELECT person_id, effective_date, ngach, step, coefficient FROM salary_history WHERE deleted = 0").count }
        }
        let baseline = try Self.timings(formRuns, rawScan).min()!
        print("  baseline: raw scan of the person columns + salary history = \(Self.fmt(baseline * 1000, 1)) ms (run again beside each form; ratios against those runs)")
        print("  form   rows    table ms   ratio   XLSX ms   ratio   XLSX size")
        var scans: [Double] = []
        func timing(_ key: String, _ label: String, _ ours: Runs, _ raw: Runs) -> Timing {
            Timing(key: key, label: label, ours: ours.best, ours95: ours.wall.last ?? 0, raw: raw.best, oursCPU: ours.medianCPU, rawCPU: raw.medianCPU)
        }
        for form in TT11Form.allCases {
            var table: ReportTable?
            let (t, tBase) = try Self.alternating(formRuns, { table = try store.tt11Report(admin, form: form, unitID: root, asOf: .today()) }, rawScan)
            var bytes: [UInt8] = []
            let (x, xBase) = try Self.alternating(formRuns, {
                bytes = try store.renderReport(admin, ReportRequest(report: form.rawValue, unitID: root, format: .xlsx)).bytes
            }, rawScan)
            scans += tBase.wall + xBase.wall
            print("  \(form.rawValue)   \(String(table?.rows.count ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0)) \(Self.fmt(t.best * 1000, 1).padding(toLength: 10, withPad: " ", startingAt: 0)) \(Self.ratio(t.best, tBase.best))   \(Self.fmt(x.best * 1000, 1).padding(toLength: 9, withPad: " ", startingAt: 0)) \(Self.ratio(x.best, xBase.best))   \(Self.fmt(Double(bytes.count) / 1024, 1)) KiB   CPU ratios \(Self.ratio(t.medianCPU, tBase.medianCPU)), \(Self.ratio(x.medianCPU, xBase.medianCPU))")
            result.reports.append(timing("report.\(form.rawValue).table", "report \(form.rawValue.uppercased()), JSON table", t, tBase))
            result.reports.append(timing("report.\(form.rawValue).xlsx", "report \(form.rawValue.uppercased()), XLSX", x, xBase))
        }
        var alerts = 0
        let (a, aBase) = try Self.alternating(formRuns, { alerts = try store.alerts(admin, unitID: root, asOf: .today(), horizonDays: 90).count }, rawScan)
        print("  alerts (90 days): \(alerts) in \(Self.fmt(a.best * 1000, 1)) ms (\(Self.ratio(a.best, aBase.best)) of the baseline; CPU \(Self.ratio(a.medianCPU, aBase.medianCPU)))")
        result.reports.append(timing("report.alerts", "alerts (90 days), whole province", a, aBase))
        result.rawScan = min(baseline, scans.min() ?? baseline)
        print("\nPeak RSS: \(Self.fmt(Figures.peakRSSMiB(), 1)) MiB")
        fflush(nil)
        return result
    }

    /// Builds the province and its dossiers; returns the root unit's id and dossiers/s.
    func generate(_ store: NodeStore, _ admin: Principal) throws -> (String, Double) {
        let root = try store.createUnit(admin, UnitInput(code: "TINH", name: "UBND tỉnh Đồng Tháp")).id
        var offices: [String] = [], communes: [String] = []
        for d in 1...20 {
            let dept = try store.createUnit(admin, UnitInput(code: String(format: "SO%02d", d), name: "Sở số \(d)", parent_id: root)).id
            offices.append(dept)
            for o in 1...3 { offices.append(try store.createUnit(admin, UnitInput(code: String(format: "SO%02dP%d", d, o), name: "Phòng \(o) Sở \(d)", parent_id: dept)).id) }
            try store.setQuota(admin, unitID: dept, year: CalendarDate.today().year, category: "cong_chuc", quota: dossiers / 40)
        }
        for x in 1...40 { communes.append(try store.createUnit(admin, UnitInput(code: String(format: "XA%02d", x), name: "UBND xã số \(x)", parent_id: root)).id) }
        var data = SampleData(seed: 2026)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<dossiers {
            let commune = i % 4 == 3
            let doc = data.dossier(unitID: commune ? communes[i % communes.count] : offices[i % offices.count], historyRows: historyRows, commune: commune)
            _ = try store.createDossier(admin, doc)
            if (i + 1) % 10_000 == 0 { print("  generated \(i + 1) dossiers…") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("  generated \(dossiers) dossiers in \(Self.fmt(seconds, 1)) s (\(Self.fmt(Double(dossiers) / seconds)) dossiers/s through NodeStore.createDossier)")
        fflush(nil)
        return (root, Double(dossiers) / seconds)
    }

    static func timings(_ n: Int, _ body: () throws -> Void) throws -> [Double] {
        var out: [Double] = []
        for _ in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            out.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return out.sorted()
    }

    /// `n` runs of `a` and of `b`, alternately, so that both see the same load.
    static func alternating(_ n: Int, _ a: () throws -> Void, _ b: () throws -> Void) throws -> (Runs, Runs) {
        var first = Runs(), second = Runs()
        func run(_ body: () throws -> Void, into runs: inout Runs) throws {
            let cpu0 = Figures.processCPUTime()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            runs.wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            runs.cpu.append(Figures.processCPUTime() - cpu0)
        }
        for _ in 0..<n {
            try run(a, into: &first)
            try run(b, into: &second)
        }
        first.wall.sort(); first.cpu.sort()
        second.wall.sort(); second.cpu.sort()
        return (first, second)
    }

    static func p(_ sorted: [Double], _ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
    static func ms(_ sorted: [Double], _ q: Double) -> String { (fmt(p(sorted, q) * 1000, 2) + " ms").padding(toLength: 10, withPad: " ", startingAt: 0) }
    static func ratio(_ ours: Double, _ base: Double) -> String { base > 0 ? fmt(ours / base, 1) + "x" : "-" }
    static func fmt(_ value: Double, _ decimals: Int = 0) -> String { SyncBenchmark.fmt(value, decimals) }
}
