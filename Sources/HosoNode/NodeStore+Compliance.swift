import Foundation
import HosoDomain
import HosoSQLite

/// Per unit: how well it keeps the regulation deadlines (issue 7): records entered late,
/// transfers overdue, and when the periodic reports are due.
public struct ComplianceRowDTO: Codable, Sendable, Equatable {
    public var unit_id: String
    public var unit_name: String
    public var depth: Int
    /// Dossiers employed on the date.
    public var dossiers: Int
    /// New dossiers created later than `reports.new_dossier_days` after recruitment.
    public var late_new: Int
    /// History rows recorded later than `reports.change_days` after their decision.
    public var late_changes: Int
    /// Transfers out of / into the unit not finished within `handoff.deadline_days`.
    public var handoffs_overdue_out: Int
    public var handoffs_overdue_in: Int
}

public struct ReportDueDTO: Codable, Sendable, Equatable {
    public var due_date: String
    public var days_left: Int
}

extension NodeStore {
    /// The next periodic report dates after `asOf` (from `reports.report_due_dates`).
    func reportDueDates(asOf: CalendarDate) -> [ReportDueDTO] {
        let dates = reportConfiguration.get().report_due_dates.flatMap { md in
            [asOf.year, asOf.year + 1].compactMap { CalendarDate(iso: "\(FastFormat.padded($0, width: 4))-\(md)") }
        }.filter { $0 >= asOf }.sorted()
        return dates.prefix(3).map { ReportDueDTO(due_date: $0.iso, days_left: asOf.days(until: $0)) }
    }

    /// Compliance of every unit of the subtree on `asOf` (within the user's reach).
    public func compliance(_ actor: Principal, unitID: String?, asOf: CalendarDate, progress: ReportProgress = { _, _ in })
        throws -> (rows: [ComplianceRowDTO], due: [ReportDueDTO]) {
        let settings = reportConfiguration.get()
        let rows = try db.snapshotRead { c -> [ComplianceRowDTO] in
            var ctx = try self.reportContext(c, actor, unitID: unitID, asOf: asOf)
            try self.loadStaff(c, actor, &ctx, progress: progress)
            var rows: [String: ComplianceRowDTO] = [:]
            for unit in ctx.unitsInOrder {
                rows[unit.id] = ComplianceRowDTO(unit_id: unit.id, unit_name: unit.name, depth: unit.depth, dossiers: 0, late_new: 0, late_changes: 0,
                                                 handoffs_overdue_out: 0, handoffs_overdue_in: 0)
            }
            for r in ctx.staff { rows[r.unitID]?.dossiers += 1 }
            let ids = JSONValue.array(ctx.staff.map { .string($0.id) }).jsonString()
            let byID = Dictionary(ctx.staff.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            try Self.lateUpdates(c, ctx, settings: settings, ids: ids, byID: byID) { _, r, _, detail in
                if detail.hasPrefix(Self.recruitmentLabel) { rows[r.unitID]?.late_new += 1 } else { rows[r.unitID]?.late_changes += 1 }
            }
            // Transfers requested and neither delivered nor aborted, past the deadline.
            for handoff in try self.openHandoffs(c, today: asOf).overdue {
                if let from = handoff.fromUnit { rows[from]?.handoffs_overdue_out += 1 }
                if let to = handoff.toUnit { rows[to]?.handoffs_overdue_in += 1 }
            }
            return ctx.unitsInOrder.compactMap { rows[$0.id] }
        }
        try auditReport(actor, report: "compliance", unitID: unitID, asOf: asOf, rows: rows.count)
        return (rows, reportDueDates(asOf: asOf))
    }

    static func complianceTable(_ rows: [ComplianceRowDTO], due: [ReportDueDTO], unitName: String, asOf: CalendarDate, settings: ReportSettings) -> ReportTable {
        var table = ReportTable(id: "compliance", title: "Tình hình thực hiện thời hạn cập nhật hồ sơ", header: [
            .column(ReportColumn("stt", "STT", .text)), .column(ReportColumn("unit", "Đơn vị", .text)), .column(ReportColumn("dossiers", "Số hồ sơ")),
            .group("Cập nhật chậm", [.column(ReportColumn("late_new", "Hồ sơ mới (quá \(settings.newDossierDeadline.label))")),
                                     .column(ReportColumn("late_changes", "Thay đổi (quá \(settings.changeDeadline.label))"))]),
            .group("Chuyển hồ sơ quá hạn", [.column(ReportColumn("handoffs_overdue_out", "Chuyển đi")), .column(ReportColumn("handoffs_overdue_in", "Nhận về"))]),
        ])
        table.lines = ["Đơn vị: \(unitName)", "Tính đến ngày \(asOf.display); sự kiện trong \(settings.late_window_days) ngày trước đó"]
        table.rows = rows.enumerated().map { i, r in
            [.text(String(i + 1)), .text(String(repeating: "— ", count: r.depth) + r.unit_name), .int(r.dossiers), .int(r.late_new), .int(r.late_changes),
             .int(r.handoffs_overdue_out), .int(r.handoffs_overdue_in)]
        }
        table.total = [.empty, .text("Tổng cộng"), .int(rows.reduce(0) { $0 + $1.dossiers }), .int(rows.reduce(0) { $0 + $1.late_new }),
                       .int(rows.reduce(0) { $0 + $1.late_changes }), .int(rows.reduce(0) { $0 + $1.handoffs_overdue_out }),
                       .int(rows.reduce(0) { $0 + $1.handoffs_overdue_in })]
        table.notes = ["Hạn báo cáo định kỳ: " + due.map { "\(CalendarDate(iso: $0.due_date)?.display ?? $0.due_date) (còn \($0.days_left) ngày)" }.joined(separator: "; ") + "."]
        return table
    }
}
