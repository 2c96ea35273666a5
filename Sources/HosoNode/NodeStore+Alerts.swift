import Foundation
import HosoDomain
import HosoSQLite

/// Settings of reports and alerts (`reports` in node.json).
public struct ReportSettings: Codable, Sendable, Equatable {
    /// Alerts look this many days ahead of the report date.
    public var horizon_days: Int = 90
    /// Length of an appointment term (bổ nhiệm), years.
    public var appointment_term_years: Int = 5
    /// A discipline without an expiry date stops counting this many months after it took effect.
    public var discipline_months: Int = 12
    /// A new dossier is due within this many days of recruitment (ĐT: 30 days; BP: 15 working days).
    public var new_dossier_days: Int = 30
    public var new_dossier_working_days: Bool = false
    /// A change is due within this many days of its decision's effective date (15 days;
    /// NĐ 27/2026: 3 working days).
    public var change_days: Int = 15
    public var change_working_days: Bool = false
    /// Late records are looked for among events of this many days before the report date.
    public var late_window_days: Int = 365
    /// When the periodic reports are due, `MM-dd` (ĐT: 15 January; BP: 15 June and 15 December).
    public var report_due_dates: [String] = ["01-15", "06-15", "12-15"]

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReportSettings()
        horizon_days = try c.decodeIfPresent(Int.self, forKey: .horizon_days) ?? d.horizon_days
        appointment_term_years = try c.decodeIfPresent(Int.self, forKey: .appointment_term_years) ?? d.appointment_term_years
        discipline_months = try c.decodeIfPresent(Int.self, forKey: .discipline_months) ?? d.discipline_months
        new_dossier_days = try c.decodeIfPresent(Int.self, forKey: .new_dossier_days) ?? d.new_dossier_days
        new_dossier_working_days = try c.decodeIfPresent(Bool.self, forKey: .new_dossier_working_days) ?? d.new_dossier_working_days
        change_days = try c.decodeIfPresent(Int.self, forKey: .change_days) ?? d.change_days
        change_working_days = try c.decodeIfPresent(Bool.self, forKey: .change_working_days) ?? d.change_working_days
        late_window_days = try c.decodeIfPresent(Int.self, forKey: .late_window_days) ?? d.late_window_days
        report_due_dates = try c.decodeIfPresent([String].self, forKey: .report_due_dates) ?? d.report_due_dates
        for text in report_due_dates where CalendarDate(iso: "2024-" + text) == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "reports.report_due_dates: '\(text)' is not MM-dd"))
        }
        for (key, value, range) in [("horizon_days", horizon_days, 1...3_650), ("appointment_term_years", appointment_term_years, 1...20),
                                    ("discipline_months", discipline_months, 1...120), ("new_dossier_days", new_dossier_days, 1...365),
                                    ("change_days", change_days, 1...365), ("late_window_days", late_window_days, 1...3_650)]
            where !range.contains(value) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "reports.\(key) must be \(range.lowerBound)…\(range.upperBound)"))
        }
    }

    public var newDossierDeadline: Deadline { Deadline(days: new_dossier_days, workingDays: new_dossier_working_days) }
    public var changeDeadline: Deadline { Deadline(days: change_days, workingDays: change_working_days) }
}

/// The current report settings (`@unchecked Sendable`: `lock` guards `value`).
public final class ReportConfiguration: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ReportSettings()
    public func get() -> ReportSettings { lock.lock(); defer { lock.unlock() }; return value }
    public func set(_ settings: ReportSettings) { lock.lock(); value = settings; lock.unlock() }
}

/// Kinds of alert computed from the rules of domain.md.
public enum AlertKind: String, Sendable, CaseIterable, Codable {
    case salaryStep = "salary_step"
    case overScale = "over_scale"
    case retirementNotice = "retirement_notice"
    case retirementDecision = "retirement_decision"
    case appointmentTerm = "appointment_term"
    case disciplineExpiry = "discipline_expiry"
    case lateUpdate = "late_update"

    public var label: String {
        switch self {
        case .salaryStep: "Đến hạn nâng bậc lương thường xuyên"
        case .overScale: "Đến hạn phụ cấp thâm niên vượt khung"
        case .retirementNotice: "Đến hạn thông báo nghỉ hưu (trước 6 tháng)"
        case .retirementDecision: "Đến hạn quyết định nghỉ hưu (trước 3 tháng)"
        case .appointmentTerm: "Sắp hết thời hạn bổ nhiệm"
        case .disciplineExpiry: "Kỷ luật sắp hết thời hạn"
        case .lateUpdate: "Cập nhật hồ sơ chậm so với quy định"
        }
    }
}

/// One alert: who, what, when it is due, and how far away that is.
public struct AlertDTO: Codable, Sendable, Equatable {
    public var kind: String
    public var kind_name: String
    public var person_id: String
    public var person_name: String
    public var unit_id: String
    public var unit_name: String
    /// The date the action is due (`yyyy-MM-dd`).
    public var due_date: String
    /// Days from the report date to the due date; negative when overdue.
    public var days_left: Int
    public var overdue: Bool
    /// What is due, in Vietnamese ("Bậc 4, hệ số 3,33", "Nghỉ hưu từ 01/03/2027").
    public var detail: String
}

extension NodeStore {
    /// Alerts for the unit subtree of `unitID` on `asOf`: everything due up to `horizon`
    /// days ahead, and what is already overdue. Read from a snapshot; audited.
    public func alerts(_ actor: Principal, unitID: String?, asOf: CalendarDate, horizonDays: Int? = nil, kinds: Set<AlertKind> = Set(AlertKind.allCases),
                       progress: ReportProgress = { _, _ in }) throws -> [AlertDTO] {
        let settings = reportConfiguration.get()
        let horizon = horizonDays ?? settings.horizon_days
        guard (0...3_650).contains(horizon) else {
            throw NodeError.validation([FieldError(field: "horizon_days", code: "out_of_range", message: "Số ngày xem trước phải từ 0 đến 3650.")])
        }
        let result = try db.snapshotRead { c -> [AlertDTO] in
            var context = try self.reportContext(c, actor, unitID: unitID, asOf: asOf)
            try self.loadStaff(c, actor, &context, progress: progress)
            return try Self.computeAlerts(c, context, settings: settings, horizon: horizon, kinds: kinds)
        }
        try auditReport(actor, report: "alerts", unitID: unitID, asOf: asOf, rows: result.count)
        return result
    }

    static func computeAlerts(_ c: Connection, _ ctx: ReportContext, settings: ReportSettings, horizon: Int, kinds: Set<AlertKind>) throws -> [AlertDTO] {
        let asOf = ctx.asOf, until = asOf.adding(days: horizon)
        let ids = JSONValue.array(ctx.staff.map { .string($0.id) }).jsonString()
        var alerts: [AlertDTO] = []
        func add(_ kind: AlertKind, _ r: StaffRecord, due: CalendarDate, _ detail: String) {
            let days = asOf.days(until: due)
            alerts.append(AlertDTO(kind: kind.rawValue, kind_name: kind.label, person_id: r.id, person_name: r.fullName, unit_id: r.unitID,
                                   unit_name: ctx.units[r.unitID]?.name ?? "", due_date: due.iso, days_left: days, overdue: days < 0, detail: detail))
        }
        // Disciplines and failed years: they lengthen the step, and disciplines expire.
        var extensions: [String: [SalaryStepRule.Extension]] = [:]
        var disciplines: [(person: String, form: String, effective: CalendarDate, expiry: CalendarDate, decision: String?)] = []
        let byID = Dictionary(ctx.staff.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for row in try c.rows("""
            SELECT person_id, form, effective_date, decision_date, expiry_date, decision_no FROM discipline
            WHERE deleted = 0 AND person_id IN (SELECT value FROM json_each(?))
            """, [ids]) {
            guard let person = row.values[0].text, let r = byID[person], let form = row.values[1].text,
                  let effective = (row.values[2].text ?? row.values[3].text).flatMap(CalendarDate.init(iso:)) else { continue }
            let expiry = row.values[4].text.flatMap(CalendarDate.init(iso:)) ?? effective.adding(months: settings.discipline_months)
            disciplines.append((person, form, effective, expiry, row.values[5].text))
            let months = SalaryStepRule.disciplineMonths(attributes: ctx.attributes[CatalogueID.kyLuat.rawValue]?[form] ?? [:], staffCategory: r.staffCategory)
            if months > 0 {
                extensions[person, default: []].append(.init(date: effective, months: months,
                                                             reason: ctx.name(.kyLuat, form) + (row.values[5].text.map { " (QĐ \($0))" } ?? "")))
            }
        }
        for row in try c.rows("""
            SELECT person_id, year, result FROM evaluation WHERE deleted = 0 AND person_id IN (SELECT value FROM json_each(?))
            """, [ids]) {
            guard let person = row.values[0].text, let year = row.values[1].int, let result = row.values[2].text,
                  let months = ctx.attribute(.danhGia, result, "keo_dai_nang_luong_thang").flatMap(Int.init), months > 0 else { continue }
            extensions[person, default: []].append(.init(date: CalendarDate(year: year, month: 12, day: 31)!, months: months,
                                                         reason: "Năm \(year): \(ctx.name(.danhGia, result))"))
        }
        for r in ctx.staff {
            // Salary step or over-scale allowance.
            if kinds.contains(.salaryStep) || kinds.contains(.overScale), let ngach = r.ngach, let step = r.step, let since = r.salaryEffective,
               let steps = ctx.attribute(.ngach, ngach, "so_bac").flatMap(Int.init),
               let months = ctx.attribute(.ngach, ngach, "thoi_gian_nang_bac_thang").flatMap(Int.init) {
                let (due, applied) = SalaryStepRule.nextDue(step: step, steps: steps, monthsPerStep: months, overScalePercent: r.overScalePercent ?? 0,
                                                            since: since, extensions: extensions[r.id] ?? [])
                let note = applied.isEmpty ? "" : "; kéo dài \(applied.reduce(0) { $0 + $1.months }) tháng: " + applied.map(\.reason).joined(separator: ", ")
                switch due {
                case .step(let next, let date) where kinds.contains(.salaryStep) && date <= until:
                    let coefficient = ctx.attribute(.ngach, ngach, "he_so")?.split(separator: ";").dropFirst(next - 1).first.map(String.init) ?? ""
                    add(.salaryStep, r, due: date, "\(ctx.name(.ngach, ngach)): bậc \(step) → bậc \(next)"
                        + (coefficient.isEmpty ? "" : ", hệ số \(coefficient.replacingOccurrences(of: ".", with: ","))") + note)
                case .overScale(let percent, let date) where kinds.contains(.overScale) && date <= until:
                    add(.overScale, r, due: date, "\(ctx.name(.ngach, ngach)): bậc cuối, vượt khung \(percent)%" + note)
                default: break
                }
            }
            // Retirement notice and decision.
            let retirement = r.retirementDate()
            if retirement > asOf {
                let notice = RetirementRule.noticeDue(retirement: retirement), decision = RetirementRule.decisionDue(retirement: retirement)
                if kinds.contains(.retirementNotice), notice <= until, decision > asOf {
                    add(.retirementNotice, r, due: notice, "Nghỉ hưu từ \(retirement.display); ngày sinh \(r.birthText)")
                }
                if kinds.contains(.retirementDecision), decision <= until {
                    add(.retirementDecision, r, due: decision, "Nghỉ hưu từ \(retirement.display); ngày sinh \(r.birthText)")
                }
            }
            // Appointment term.
            if kinds.contains(.appointmentTerm), r.positionCode != nil || r.positionTitle != nil, let appointed = r.positionAppointed {
                let end = appointed.adding(months: 12 * settings.appointment_term_years)
                if end <= until, end > asOf.adding(days: -366) {
                    add(.appointmentTerm, r, due: end, "\(r.positionTitle ?? ctx.name(.chucVu, r.positionCode)) từ \(appointed.display), nhiệm kỳ \(settings.appointment_term_years) năm")
                }
            }
        }
        if kinds.contains(.disciplineExpiry) {
            for d in disciplines where d.expiry >= asOf && d.expiry <= until {
                guard let r = byID[d.person] else { continue }
                add(.disciplineExpiry, r, due: d.expiry, "\(ctx.name(.kyLuat, d.form))" + (d.decision.map { " (QĐ \($0))" } ?? "") + " từ \(d.effective.display)")
            }
        }
        if kinds.contains(.lateUpdate) { try lateUpdates(c, ctx, settings: settings, ids: ids, byID: byID, add: add) }
        return alerts.sorted { ($0.due_date, $0.kind, $0.person_name, $0.person_id) < ($1.due_date, $1.kind, $1.person_name, $1.person_id) }
    }

    static let recruitmentLabel = "Tuyển dụng"

    /// Records entered later than the regulation deadline (new dossier after recruitment;
    /// a change after its decision took effect), among events of the window before the date.
    static func lateUpdates(_ c: Connection, _ ctx: ReportContext, settings: ReportSettings, ids: String, byID: [String: StaffRecord],
                            add: (AlertKind, StaffRecord, CalendarDate, String) -> Void) throws {
        let from = ctx.asOf.adding(days: -settings.late_window_days)
        func check(_ r: StaffRecord, event: CalendarDate, recorded: CalendarDate, deadline: Deadline, what: String) {
            guard event >= from, event <= ctx.asOf, deadline.isOverdue(from: event, to: recorded) else { return }
            let due = deadline.workingDays ? event.addingWorkingDays(deadline.days) : event.adding(days: deadline.days)
            add(.lateUpdate, r, due, "\(what) ngày \(event.display), cập nhật ngày \(recorded.display) (hạn \(deadline.label))")
        }
        for r in ctx.staff {
            if let recruited = r.recruitment, let created = r.createdOn {
                check(r, event: recruited, recorded: created, deadline: settings.newDossierDeadline, what: Self.recruitmentLabel)
            }
        }
        let parts: [(table: String, date: String, label: String)] = [
            ("work_history", "coalesce(effective_date, decision_date)", "Quyết định công tác"), ("salary_history", "effective_date", "Quyết định lương"),
            ("discipline", "coalesce(effective_date, decision_date)", "Kỷ luật"), ("reward", "decision_date", "Khen thưởng"),
        ]
        for part in parts {
            for row in try c.rows("""
                SELECT person_id, \(part.date), created_at FROM \(part.table)
                WHERE deleted = 0 AND \(part.date) >= ? AND person_id IN (SELECT value FROM json_each(?))
                """, [from.iso, ids]) {
                guard let person = row.values[0].text, let r = byID[person], let event = row.values[1].text.flatMap(CalendarDate.init(iso:)),
                      let recorded = row.values[2].text.flatMap({ CalendarDate(iso: String($0.prefix(10))) }) else { continue }
                check(r, event: event, recorded: recorded, deadline: settings.changeDeadline, what: part.label)
            }
        }
    }

    /// Alerts as a report table (for HTML, CSV and XLSX).
    static func alertsTable(_ alerts: [AlertDTO], unitName: String, asOf: CalendarDate, horizon: Int) -> ReportTable {
        var table = ReportTable(id: "alerts", title: "Danh sách cảnh báo hồ sơ cán bộ, công chức, viên chức", header: [
            .column(ReportColumn("stt", "STT", .text)), .column(ReportColumn("kind", "Loại cảnh báo", .text)),
            .column(ReportColumn("person", "Họ và tên", .text)), .column(ReportColumn("unit", "Đơn vị", .text)),
            .column(ReportColumn("due", "Hạn", .text)), .column(ReportColumn("days", "Còn (ngày)")),
            .column(ReportColumn("detail", "Nội dung", .text)),
        ])
        table.lines = ["Đơn vị: \(unitName)", "Tính đến ngày \(asOf.display), xem trước \(horizon) ngày"]
        table.rows = alerts.enumerated().map { index, a in
            [.text(String(index + 1)), .text(a.kind_name), .text(a.person_name), .text(a.unit_name),
             .text(CalendarDate(iso: a.due_date)?.display ?? a.due_date), .int(a.days_left), .text((a.overdue ? "QUÁ HẠN. " : "") + a.detail)]
        }
        table.notes = ["Số ngày âm: đã quá hạn."]
        table.signatures = ["Người lập bảng", "Thủ trưởng đơn vị"]
        return table
    }
}

extension CalendarDate {
    /// The date `days` working days (Monday–Friday) after this one.
    func addingWorkingDays(_ days: Int) -> CalendarDate {
        var date = self, left = days
        while left > 0 {
            date = date.adding(days: 1)
            if date.isWorkingDay { left -= 1 }
        }
        return date
    }
}
