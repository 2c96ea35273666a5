import Foundation
import HosoDomain

/// Output formats of a report.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, html, csv, xlsx

    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }
}

/// What to produce: which report, for which subtree and date, in which format.
public struct ReportRequest: Sendable {
    /// `bm01`…`bm04`, `custom`, `staffing`, `alerts`.
    public var report: String
    public var unitID: String?
    public var asOf: CalendarDate = .today()
    public var year: Int?
    public var horizonDays: Int?
    public var kinds: Set<AlertKind> = Set(AlertKind.allCases)
    public var custom: CustomReportRequest?
    public var format: ReportFormat = .json

    public static let reports: [(id: String, title: String)] = TT11Form.allCases.map { ($0.rawValue, "\($0.formNumber): " + $0.title(year: CalendarDate.today().year)) }
        + [("staffing", "Biên chế được giao và hiện có"), ("alerts", "Cảnh báo (nâng lương, nghỉ hưu, bổ nhiệm, kỷ luật, cập nhật chậm)"),
           ("compliance", "Tình hình thực hiện thời hạn cập nhật hồ sơ, chuyển hồ sơ, báo cáo định kỳ"),
           ("custom", "Báo cáo tự chọn (tiêu chí, nhóm, cột)")]

    public init(report: String, unitID: String? = nil, asOf: CalendarDate = .today(), format: ReportFormat = .json) {
        self.report = report
        self.unitID = unitID
        self.asOf = asOf
        self.format = format
    }

    /// Reads a request from JSON (a job's body, or the query parameters as strings).
    public init(report: String?, json o: JSONObject) throws {
        var errors: [FieldError] = []
        let known: Set<String> = ["report", "unit_id", "as_of", "year", "horizon_days", "kinds", "format", "custom"]
        for key in o.keys where !known.contains(key) { errors.append(FieldError(field: key, code: "unknown_field", message: "Không có tham số '\(key)'.")) }
        let id = report ?? o["report"]?.stringValue ?? ""
        self.report = id
        if !Self.reports.contains(where: { $0.id == id }) {
            errors.append(FieldError(field: "report", code: "unknown_code", message: "Không có báo cáo '\(id)'. Chọn: \(Self.reports.map(\.id).joined(separator: ", ")).") )
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = o[key], value != .null else { return nil }
            guard let d = value.numberValue ?? value.stringValue.flatMap(Double.init), let n = Int(exactly: d), range.contains(n) else {
                errors.append(FieldError(field: key, code: "out_of_range", message: "Phải là số nguyên từ \(range.lowerBound) đến \(range.upperBound)."))
                return nil
            }
            return n
        }
        if let unit = o["unit_id"], unit != .null {
            if let s = unit.stringValue, (1...64).contains(s.count) { unitID = s } else {
                errors.append(FieldError(field: "unit_id", code: "invalid_type", message: "Mã đơn vị không hợp lệ."))
            }
        }
        if let d = o["as_of"], d != .null {
            if let s = d.stringValue, let date = CalendarDate(iso: s) ?? CalendarDate(display: s) { asOf = date } else {
                errors.append(FieldError(field: "as_of", code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd hoặc dd/MM/yyyy)."))
            }
        }
        year = int("year", 2000...2100)
        horizonDays = int("horizon_days", 0...3_650)
        if let k = o["kinds"], k != .null {
            let names: [String]? = switch k {
            case .string(let s): s.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            case .array(let items): items.compactMap(\.stringValue)
            default: nil
            }
            let parsed = names?.compactMap(AlertKind.init(rawValue:))
            if let names, let parsed, parsed.count == names.count, !parsed.isEmpty { kinds = Set(parsed) } else {
                errors.append(FieldError(field: "kinds", code: "unknown_code", message: "Loại cảnh báo: \(AlertKind.allCases.map(\.rawValue).joined(separator: ", ")).")) }
        }
        if let f = o["format"], f != .null {
            if let s = f.stringValue, let format = ReportFormat(rawValue: s) { self.format = format } else {
                errors.append(FieldError(field: "format", code: "unknown_code", message: "Định dạng: json, html, csv, xlsx."))
            }
        }
        if id == "custom" {
            do { custom = try CustomReportRequest(json: o["custom"] ?? [:]) } catch let e as NodeError {
                errors += e.fieldErrors.map { FieldError(field: "custom.\($0.field)", code: $0.code, message: $0.message) }
            }
        } else if o["custom"] != nil && o["custom"] != .null {
            errors.append(FieldError(field: "custom", code: "unknown_field", message: "Chỉ báo cáo tự chọn (custom) nhận tham số này."))
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
    }

    /// Reads a request from URL query parameters.
    public init(report: String, query: [String: String]) throws {
        var o: JSONObject = [:]
        for (key, value) in query where !value.isEmpty { o[key] = .string(value) }
        try self.init(report: report, json: o)
    }
}

/// A rendered report: bytes to send or download.
public struct ReportOutput: Sendable {
    public var bytes: [UInt8]
    public var contentType: String
    public var filename: String
    public var rows: Int
}

extension NodeStore {
    /// Produces a report as its table (read from a snapshot, audited).
    public func reportTable(_ actor: Principal, _ request: ReportRequest, progress: ReportProgress = { _, _ in }) throws -> ReportTable {
        if let form = TT11Form(rawValue: request.report) {
            return try tt11Report(actor, form: form, unitID: request.unitID, asOf: request.asOf, progress: progress)
        }
        switch request.report {
        case "custom":
            var custom = request.custom ?? CustomReportRequest()
            if custom.asOf == nil { custom.asOf = request.asOf }
            if let unit = request.unitID, custom.criteria.unitID == nil { custom.criteria.unitID = unit }
            return try customReport(actor, custom, progress: progress)
        case "staffing":
            let year = request.year ?? request.asOf.year
            let rows = try staffingRows(actor, unitID: request.unitID, year: year, progress: progress)
            let name = try unitName(request.unitID ?? actor.unitID)
            try auditReport(actor, report: "staffing", unitID: request.unitID, asOf: nil, rows: rows.count, extra: ["year": .number(Double(year))])
            return Self.staffingTable(rows, unitName: name, year: year)
        case "compliance":
            let result = try compliance(actor, unitID: request.unitID, asOf: request.asOf, progress: progress)
            return Self.complianceTable(result.rows, due: result.due, unitName: try unitName(request.unitID ?? actor.unitID), asOf: request.asOf,
                                        settings: reportConfiguration.get())
        case "alerts":
            let horizon = request.horizonDays ?? reportConfiguration.get().horizon_days
            let list = try alerts(actor, unitID: request.unitID, asOf: request.asOf, horizonDays: horizon, kinds: request.kinds, progress: progress)
            return Self.alertsTable(list, unitName: try unitName(request.unitID ?? actor.unitID), asOf: request.asOf, horizon: horizon)
        default:
            throw NodeError.notFound("báo cáo '\(request.report)'")
        }
    }

    func unitName(_ id: String?) throws -> String {
        guard let id else { return "Toàn tỉnh" }
        return try db.read { c in try c.scalar("SELECT name FROM units WHERE id = ?", [id], as: String.self) } ?? id
    }

    /// Produces a report in the requested format.
    public func renderReport(_ actor: Principal, _ request: ReportRequest, progress: ReportProgress = { _, _ in }) throws -> ReportOutput {
        let table = try reportTable(actor, request, progress: progress)
        let base = "bao-cao-\(request.report)-\(request.asOf.iso)"
        switch request.format {
        case .json: return ReportOutput(bytes: Array(table.json.jsonString().utf8), contentType: ReportFormat.json.contentType, filename: base + ".json", rows: table.rows.count)
        case .html: return ReportOutput(bytes: table.html(generatedAt: Timestamp.now()), contentType: ReportFormat.html.contentType, filename: base + ".html", rows: table.rows.count)
        case .csv: return ReportOutput(bytes: table.csv(), contentType: ReportFormat.csv.contentType, filename: base + ".csv", rows: table.rows.count)
        case .xlsx:
            let sheet = TT11Form(rawValue: request.report).map { $0.formNumber.replacingOccurrences(of: "Biểu mẫu số ", with: "BM ") } ?? request.report
            return ReportOutput(bytes: try table.xlsx(sheetName: sheet), contentType: ReportFormat.xlsx.contentType, filename: base + ".xlsx", rows: table.rows.count)
        }
    }
}

/// A report being produced in the background.
public struct ReportJobDTO: Codable, Sendable, Equatable {
    public var id: String
    public var report: String
    public var format: String
    /// `queued`, `running`, `done`, `failed`, `cancelled`.
    public var status: String
    /// What it is doing (Vietnamese), and how far (0…1).
    public var phase: String
    public var progress: Double
    public var created_at: String
    public var finished_at: String?
    public var rows: Int?
    public var size: Int?
    public var filename: String?
    public var error: String?
}

/// Background report jobs: a large scope's report runs on its own reader snapshot and
/// thread, reports progress, and can be cancelled; sync and editing go on meanwhile.
/// Results are kept for their owner for an hour.
///
/// `@unchecked Sendable`: `lock` guards `jobs`.
public final class ReportJobs: @unchecked Sendable {
    struct Job {
        var dto: ReportJobDTO
        var owner: String
        var output: ReportOutput?
        var cancelled = false
        var finished: Date?
    }

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    private let queue = DispatchQueue(label: "hoso.reports", qos: .utility, attributes: .concurrent)
    /// At most this many reports are computed at once; the rest wait, queued.
    private let running = DispatchSemaphore(value: 2)
    /// Results are dropped after this long.
    public var retention: TimeInterval = 3_600
    /// Jobs a user may have queued or running at once.
    public var perUserLimit = 3

    public init() {}

    /// Starts producing a report; returns at once with the queued job.
    public func submit(owner: String, report: String, format: String,
                       work: @escaping @Sendable (_ progress: @escaping ReportProgress) throws -> ReportOutput) throws -> ReportJobDTO {
        let id = RecordID.make()
        let dto = ReportJobDTO(id: id, report: report, format: format, status: "queued", phase: "Đang chờ", progress: 0, created_at: Timestamp.now())
        try lock.withLock {
            purge()
            let active = jobs.values.filter { $0.owner == owner && ($0.dto.status == "queued" || $0.dto.status == "running") }.count
            guard active < perUserLimit else {
                throw NodeError(.tooManyRequests, "too_many_jobs", "Đang có \(active) báo cáo chưa xong; hãy chờ hoặc hủy bớt.")
            }
            jobs[id] = Job(dto: dto, owner: owner)
        }
        queue.async { [self] in
            running.wait()
            defer { running.signal() }
            guard update(id, { job in
                if job.cancelled { return false }
                job.dto.status = "running"
                job.dto.phase = "Bắt đầu"
                return true
            }) else { return }
            let progress: ReportProgress = { [self] phase, fraction in
                let go = update(id) { job in
                    job.dto.phase = phase
                    job.dto.progress = max(job.dto.progress, min(1, fraction))
                    return !job.cancelled
                }
                if !go { throw NodeError(.conflict, "cancelled", "Báo cáo đã bị hủy.") }
            }
            do {
                let output = try work(progress)
                _ = update(id) { job in
                    job.output = output
                    job.dto.status = job.cancelled ? "cancelled" : "done"
                    job.dto.phase = job.cancelled ? "Đã hủy" : "Hoàn thành"
                    job.dto.progress = 1
                    job.dto.rows = output.rows
                    job.dto.size = output.bytes.count
                    job.dto.filename = output.filename
                    return true
                }
            } catch {
                _ = update(id) { job in
                    job.dto.status = job.cancelled ? "cancelled" : "failed"
                    job.dto.phase = job.cancelled ? "Đã hủy" : "Lỗi"
                    job.dto.error = (error as? NodeError)?.message ?? "Không lập được báo cáo."
                    return true
                }
            }
            _ = update(id) { job in
                job.finished = Date()
                job.dto.finished_at = Timestamp.now()
                return true
            }
        }
        return dto
    }

    /// Applies `change` to a job; returns its result (false if the job is gone).
    private func update(_ id: String, _ change: (inout Job) -> Bool) -> Bool {
        lock.withLock {
            guard var job = jobs[id] else { return false }
            let result = change(&job)
            jobs[id] = job
            return result
        }
    }

    private func purge() {
        let limit = Date().addingTimeInterval(-retention)
        jobs = jobs.filter { ($0.value.finished ?? Date()) > limit }
    }

    /// The owner's job (404 for anyone else's: ids are not secrets to probe).
    public func job(_ id: String, owner: String) throws -> ReportJobDTO {
        try lock.withLock {
            purge()
            guard let job = jobs[id], job.owner == owner else { throw NodeError.notFound("báo cáo '\(id)'") }
            return job.dto
        }
    }

    /// The owner's jobs, newest first.
    public func jobs(owner: String) -> [ReportJobDTO] {
        lock.withLock {
            purge()
            return jobs.values.filter { $0.owner == owner }.map(\.dto).sorted { ($0.created_at, $0.id) > ($1.created_at, $1.id) }
        }
    }

    /// The finished report's file.
    public func result(_ id: String, owner: String) throws -> ReportOutput {
        try lock.withLock {
            guard let job = jobs[id], job.owner == owner else { throw NodeError.notFound("báo cáo '\(id)'") }
            guard job.dto.status == "done", let output = job.output else {
                throw NodeError(.conflict, "not_ready", job.dto.status == "failed" ? (job.dto.error ?? "Báo cáo lỗi.") : "Báo cáo chưa xong (\(Int(job.dto.progress * 100))%).")
            }
            return output
        }
    }

    /// Cancels a queued or running job, or forgets a finished one.
    public func cancel(_ id: String, owner: String) throws {
        try lock.withLock {
            guard var job = jobs[id], job.owner == owner else { throw NodeError.notFound("báo cáo '\(id)'") }
            if job.dto.status == "queued" || job.dto.status == "running" {
                job.cancelled = true
                if job.dto.status == "queued" {
                    job.dto.status = "cancelled"
                    job.dto.phase = "Đã hủy"
                    job.finished = Date()
                }
                jobs[id] = job
            } else {
                jobs[id] = nil
            }
        }
    }
}
