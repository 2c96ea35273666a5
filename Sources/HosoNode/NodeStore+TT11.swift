import Foundation
import HosoDomain
import HosoSQLite

/// The four report forms of Thông tư 11/2012/TT-BNV (domain-research §2).
public enum TT11Form: String, Sendable, CaseIterable {
    /// Số lượng, chất lượng công chức từ cấp huyện trở lên.
    case bm01
    /// Số lượng, chất lượng cán bộ, công chức cấp xã.
    case bm02
    /// Danh sách và tiền lương công chức từ cấp huyện trở lên.
    case bm03
    /// Danh sách và tiền lương cán bộ, công chức cấp xã.
    case bm04

    public var formNumber: String {
        switch self {
        case .bm01: "Biểu mẫu số 01/BNV"
        case .bm02: "Biểu mẫu số 02/BNV"
        case .bm03: "Biểu mẫu số 03/BNV"
        case .bm04: "Biểu mẫu số 04/BNV"
        }
    }

    public func title(year: Int) -> String {
        switch self {
        case .bm01: "Báo cáo số lượng, chất lượng công chức từ cấp huyện trở lên năm \(year)"
        case .bm02: "Báo cáo số lượng, chất lượng cán bộ, công chức cấp xã năm \(year)"
        case .bm03: "Báo cáo danh sách và tiền lương công chức từ cấp huyện trở lên năm \(year)"
        case .bm04: "Báo cáo danh sách và tiền lương cán bộ, công chức cấp xã năm \(year)"
        }
    }

    /// Who the form counts: công chức (from district level up) or cán bộ, công chức cấp xã,
    /// by the dossier's staff category.
    public var categories: Set<String> {
        switch self {
        case .bm01, .bm03: ["cong_chuc"]
        case .bm02, .bm04: ["can_bo_xa", "cong_chuc_xa"]
        }
    }

    static let basis = "Ban hành kèm theo Thông tư số 11/2012/TT-BNV ngày 17 tháng 12 năm 2012 của Bộ Nội vụ"
}

extension NodeStore {
    /// One of the TT 11/2012 forms for the unit subtree of `unitID` as of `asOf`, read
    /// from its own snapshot (never holding up editing or sync). Audited.
    public func tt11Report(_ actor: Principal, form: TT11Form, unitID: String?, asOf: CalendarDate,
                           progress: ReportProgress = { _, _ in }) throws -> ReportTable {
        let table = try db.snapshotRead { c -> ReportTable in
            var context = try self.reportContext(c, actor, unitID: unitID, asOf: asOf)
            let categories = form.categories.sorted()
            try self.loadStaff(c, actor, &context, conditions: ["p.staff_category IN (\(categories.map { _ in "?" }.joined(separator: ",")))"],
                               arguments: categories, progress: progress)
            switch form {
            case .bm01, .bm02:
                let quotas = form == .bm01 ? try self.quotas(c, year: asOf.year, categories: form.categories) : [:]
                return Self.quantityForm(form, context, quotas: quotas)
            case .bm03, .bm04:
                return Self.salaryForm(form, context)
            }
        }
        try auditReport(actor, report: form.rawValue, unitID: unitID, asOf: asOf, rows: table.rows.count)
        return table
    }

    /// Records that a report was produced (who, which, scope, date, size).
    func auditReport(_ actor: Principal, report: String, unitID: String?, asOf: CalendarDate?, rows: Int, extra: JSONObject = [:]) throws {
        var changes: JSONObject = ["report": .string(report), "rows": .number(Double(rows))]
        if let asOf { changes["as_of"] = .string(asOf.iso) }
        for (k, v) in extra { changes[k] = v }
        try db.write { c in
            try self.audit(c, actor, action: "report", entity: "report", entityID: report, unitID: unitID, changes: .object(changes))
        }
    }

    /// Quotas of a year by unit (the categories summed).
    func quotas(_ c: Connection, year: Int, categories: Set<String>) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try c.rows("SELECT unit_id, category, quota FROM staffing_quotas WHERE year = ? AND deleted = 0", [year])
            where categories.contains(row.get("category") ?? "") {
            result[row.get("unit_id") ?? "", default: 0] += row.get("quota") ?? 0
        }
        return result
    }

    static func header(_ context: ReportContext, _ title: String, form: TT11Form?) -> [String] {
        var lines = ["Đơn vị báo cáo: \(context.root.name)"]
        if form != nil { lines.append("Đơn vị nhận báo cáo: Bộ Nội vụ") }
        lines.append("Số liệu tính đến ngày \(context.asOf.display)")
        return lines
    }

    // MARK: BM01, BM02: quantity and quality

    /// A counted column: its header and who it counts.
    typealias Counted = (column: ReportColumn, counts: (StaffRecord) -> Bool)

    static func quantityForm(_ form: TT11Form, _ ctx: ReportContext, quotas: [String: Int]) -> ReportTable {
        let asOf = ctx.asOf
        func c(_ key: String, _ label: String, _ test: @escaping (StaffRecord) -> Bool) -> Counted { (ReportColumn(key, label), test) }
        func levelGroup(_ prefix: String, _ pairs: [(String, String)], _ value: @escaping (StaffRecord) -> String?) -> [Counted] {
            pairs.map { code, label in c("\(prefix)_\(code.lowercased())", label) { value($0).map { v in v == code || (code == "TS" && v == "TSKH") } ?? false } }
        }
        func language(_ level: @escaping (StaffRecord) -> String?, _ prefix: String) -> [Counted] {
            func group(_ r: StaffRecord) -> String? {
                guard let code = level(r) else { return nil }
                return ctx.attribute(.trinhDoNgoaiNgu, code, "nhom") ?? (code == "DH" ? "dai_hoc" : "chung_chi")
            }
            return [c("\(prefix)_dh", "Đại học trở lên") { group($0) == "dai_hoc" }, c("\(prefix)_cc", "Chứng chỉ A, B, C") { group($0) == "chung_chi" }]
        }
        let isOver: (StaffRecord) -> Bool = { $0.overRetirementAge }
        let total = c("total", form == .bm01 ? "Tổng số công chức hiện có" : "Tổng số") { _ in true }
        let among = [
            c("female", "Nữ") { $0.female },
            c("party", "Đảng viên") { ($0.partyJoin.map { $0 <= asOf }) ?? false },
            c("minority", "Dân tộc thiểu số") { r in r.ethnicity.map { !["01", "55", "99"].contains($0) } ?? false },
            c("religion", "Tôn giáo") { r in r.religion.map { $0 != "00" } ?? false },
        ]
        let grades = [("cvcc", "Chuyên viên cao cấp và tương đương"), ("cvc", "Chuyên viên chính và tương đương"),
                      ("cv", "Chuyên viên và tương đương"), ("cs", "Cán sự và tương đương"), ("nv", "Nhân viên")].map { code, label in
            c("ngach_\(code)", label) { ctx.equivalentGrade($0.ngach) == code }
        }
        let titles = [c("cd_cbx", "Cán bộ cấp xã") { $0.staffCategory == "can_bo_xa" }, c("cd_ccx", "Công chức chuyên môn") { $0.staffCategory == "cong_chuc_xa" }]
        let professional = levelGroup("cm", [("TS", "Tiến sĩ"), ("ThS", "Thạc sĩ"), ("DH", "Đại học"), ("CD", "Cao đẳng"), ("TC", "Trung cấp"), ("SC", "Sơ cấp")]) { $0.qualification }
        let general = [c("pt_thpt", "Trung học phổ thông") { ["12/12", "10/10"].contains($0.generalEducation ?? "") },
                       c("pt_thcs", "Trung học cơ sở") { ["11/12", "10/12", "9/12", "9/10", "7/10"].contains($0.generalEducation ?? "") },
                       c("pt_th", "Tiểu học") { $0.generalEducation == "tieu_hoc" }]
        let political = levelGroup("ct", [("CN", "Cử nhân"), ("CC", "Cao cấp"), ("TC", "Trung cấp"), ("SC", "Sơ cấp")]) { $0.politicalTheory }
        let it = [c("th_tc", "Trung cấp trở lên") { ["TC", "CD", "DH"].contains($0.itLevel ?? "") },
                  c("th_cc", "Chứng chỉ") { ["A", "B", "C", "CNTT_CB", "CNTT_NC"].contains($0.itLevel ?? "") }]
        let english = language({ $0.englishLevel }, "en"), other = language({ $0.otherLanguageLevel }, "nn")
        let ethnicLanguage = c("dt_cc", "Chứng chỉ tiếng dân tộc") { $0.ethnicLanguageCert }
        let management = form == .bm01
            ? levelGroup("ql", [("CVCC", "Chuyên viên cao cấp và tương đương"), ("CVC", "Chuyên viên chính và tương đương"), ("CV", "Chuyên viên và tương đương")]) { $0.stateManagement }
            : levelGroup("ql", [("CVC", "Chuyên viên chính và tương đương"), ("CV", "Chuyên viên và tương đương")]) { $0.stateManagement }
                + [c("ql_cqdt", "Chưa qua đào tạo") { $0.stateManagement == nil || $0.stateManagement == "CQDT" }]
        // Age bands on the report date; people past the retirement age that applies to them
        // are counted only as "over retirement age", everyone else aged 51 or more in 51–60.
        let ages = [
            c("age_30", "Từ 30 trở xuống") { !isOver($0) && $0.ageOnDate <= 30 },
            c("age_31_40", "Từ 31 đến 40") { !isOver($0) && (31...40).contains($0.ageOnDate) },
            c("age_41_50", "Từ 41 đến 50") { !isOver($0) && (41...50).contains($0.ageOnDate) },
        ]
        let ages51 = [
            c("age_51_60", "Tổng số") { !isOver($0) && $0.ageOnDate >= 51 },
            c("age_f51_55", "Nữ từ 51 đến 55") { !isOver($0) && $0.female && (51...55).contains($0.ageOnDate) },
            c("age_m56_60", "Nam từ 56 đến 60") { !isOver($0) && !$0.female && (56...60).contains($0.ageOnDate) },
        ]
        let over = c("age_over", "Trên tuổi nghỉ hưu") { isOver($0) }
        let rotated = c("rotated", "Công chức luân chuyển từ cấp huyện") { $0.rotatedFromDistrict }

        func h(_ items: [Counted]) -> [ReportHeader] { items.map { .column($0.column) } }
        var header: [ReportHeader] = [.column(ReportColumn("stt", "STT", .text)), .column(ReportColumn("unit", "Tên đơn vị", .text))]
        var counted: [Counted] = []
        if form == .bm01 { header.append(.column(ReportColumn("quota", "Tổng số biên chế được giao"))) }
        header.append(.column(total.column))
        counted = [total] + among
        header.append(.group("Trong đó", h(among)))
        if form == .bm01 {
            header.append(.group("Chia theo ngạch công chức", h(grades)))
            counted += grades
        } else {
            header.append(.group("Chức danh", h(titles)))
            counted += titles
        }
        var training: [ReportHeader] = [.group("Chuyên môn", h(professional))]
        counted += professional
        if form == .bm02 {
            training.append(.group("Học vấn phổ thông", h(general)))
            counted += general
        }
        training += [.group("Chính trị", h(political)), .group("Tin học", h(it)),
                     .group("Ngoại ngữ", [.group("Tiếng Anh", h(english)), .group("Ngoại ngữ khác", h(other))]),
                     .column(ethnicLanguage.column), .group("Quản lý nhà nước", h(management))]
        counted += political + it + english + other + [ethnicLanguage] + management
        header.append(.group("Chia theo trình độ đào tạo", training))
        var ageHeader = h(ages) + [.group("Từ 51 đến 60", h(ages51)), .column(over.column)]
        counted += ages + ages51 + [over]
        if form == .bm02 {
            ageHeader.append(.column(rotated.column))
            counted.append(rotated)
        }
        header.append(.group("Chia theo độ tuổi", ageHeader))

        var table = ReportTable(id: form.rawValue, form: form.formNumber, basis: TT11Form.basis, title: form.title(year: ctx.asOf.year), header: header)
        table.lines = Self.header(ctx, table.title, form: form) + ["Đơn vị tính: người"]
        // One row per unit directly under the root (its whole subtree), the root's own staff first.
        let rowOf = ctx.rowUnit()
        var groups: [String: [StaffRecord]] = [:]
        for r in ctx.staff { groups[rowOf[r.unitID] ?? ctx.root.id, default: []].append(r) }
        var quotaOf: [String: Int] = [:]
        for (unit, quota) in quotas { if let row = rowOf[unit] { quotaOf[row, default: 0] += quota } }
        let rowUnits = ctx.unitsInOrder.filter { $0.id == ctx.root.id ? (groups[$0.id] != nil || quotaOf[$0.id] != nil) : $0.parent == ctx.root.id }
        // Each person is tested once per column; rows and the total add the results up.
        var sums: [String: [Int]] = [:]
        var totals = [Int](repeating: 0, count: counted.count)
        for (unit, people) in groups {
            var row = [Int](repeating: 0, count: counted.count)
            for r in people { for (i, item) in counted.enumerated() where item.counts(r) { row[i] += 1 } }
            for i in row.indices { totals[i] += row[i] }
            sums[unit] = row
        }
        func cells(_ counts: [Int], quota: Int?, stt: String, name: String) -> [ReportCell] {
            var out: [ReportCell] = [.text(stt), .text(name)]
            if form == .bm01 { out.append(quota.map(ReportCell.int) ?? .empty) }
            return out + counts.map(ReportCell.int)
        }
        let zero = [Int](repeating: 0, count: counted.count)
        for (index, unit) in rowUnits.enumerated() {
            let name = unit.id == ctx.root.id && rowUnits.count > 1 ? "\(unit.name) (cơ quan)" : unit.name
            table.rows.append(cells(sums[unit.id] ?? zero, quota: quotaOf[unit.id], stt: String(index + 1), name: name))
        }
        table.total = cells(totals, quota: quotas.isEmpty && form == .bm01 ? nil : quotaOf.values.reduce(0, +), stt: "", name: "Tổng cộng")
        if form == .bm01 && quotas.isEmpty { table.total?[2] = .empty }
        table.notes = ["Thời hạn nhận báo cáo: ngày 30 tháng 6.",
                       "Độ tuổi tính đến ngày \(ctx.asOf.display); \"Từ 51 đến 60\" gồm cả người trên 60 tuổi chưa đến tuổi nghỉ hưu theo Bộ luật Lao động 2019; người đã đến tuổi nghỉ hưu (NĐ 135/2020/NĐ-CP) chỉ tính ở cột \"Trên tuổi nghỉ hưu\"."]
        table.signatures = ["Người lập bảng", "Thủ trưởng đơn vị"]
        return table
    }

    // MARK: BM03, BM04: list and salary

    static func salaryForm(_ form: TT11Form, _ ctx: ReportContext) -> ReportTable {
        let asOf = ctx.asOf
        var header: [ReportHeader] = [
            .column(ReportColumn("stt", "STT", .text)), .column(ReportColumn("full_name", "Họ và tên", .text)),
            .group("Ngày, tháng, năm sinh", [.column(ReportColumn("birth_male", "Nam", .text)), .column(ReportColumn("birth_female", "Nữ", .text))]),
            .column(ReportColumn("position", "Chức vụ hoặc chức danh công tác", .text)),
            .column(ReportColumn("unit", "Cơ quan, đơn vị đang làm việc", .text)),
        ]
        if form == .bm03 {
            header.append(.column(ReportColumn("grade_time", "Thời gian giữ ngạch (kể cả ngạch tương đương)", .text)))
            header.append(.group("Mức lương hiện hưởng", [.column(ReportColumn("coefficient", "Hệ số lương", .decimal)),
                                                          .column(ReportColumn("ngach", "Mã số ngạch hiện giữ", .text))]))
        } else {
            header.append(.column(ReportColumn("position_time", "Thời gian giữ chức vụ, chức danh", .text)))
            header.append(.group("Mức lương hiện hưởng", [.column(ReportColumn("coefficient", "Hệ số lương", .decimal)),
                                                          .column(ReportColumn("step", "Bậc lương hiện hưởng"))]))
        }
        header.append(.group("Phụ cấp", [
            .column(ReportColumn("pc_position", "Chức vụ", .decimal)), .column(ReportColumn("pc_responsibility", "Trách nhiệm", .decimal)),
            .column(ReportColumn("pc_regional", "Khu vực", .decimal)), .column(ReportColumn("pc_over_scale", "Vượt khung (%)")),
            .column(ReportColumn("pc_percent_total", "Tổng phụ cấp theo phần trăm (%)")),
        ]))
        header.append(.column(ReportColumn("note", "Ghi chú", .text)))
        var table = ReportTable(id: form.rawValue, form: form.formNumber, basis: TT11Form.basis, title: form.title(year: asOf.year), header: header)
        table.lines = Self.header(ctx, table.title, form: form)
        let people = ctx.staff.sorted { a, b in
            let ua = ctx.units[a.unitID]?.order ?? 0, ub = ctx.units[b.unitID]?.order ?? 0
            return ua != ub ? ua < ub : (a.nameSort, a.id) < (b.nameSort, b.id)
        }
        func decimal(_ d: Double?) -> ReportCell { d.map(ReportCell.decimal) ?? .empty }
        for (index, r) in people.enumerated() {
            var row: [ReportCell] = [.text(String(index + 1)), .text(r.fullName),
                                     r.female ? .empty : .text(r.birthText), r.female ? .text(r.birthText) : .empty,
                                     .text(r.positionTitle ?? ctx.name(.chucVu, r.positionCode)),
                                     .text(ctx.units[r.unitID]?.name ?? "")]
            if form == .bm03 {
                row.append(.text(r.ngachSince.map { CalendarDate.durationText(months: $0.months(until: asOf)) } ?? ""))
                row += [decimal(r.coefficient), r.ngach.map(ReportCell.text) ?? .empty]
            } else {
                row.append(.text(r.positionAppointed.map { CalendarDate.durationText(months: $0.months(until: asOf)) } ?? ""))
                row += [decimal(r.coefficient), r.step.map(ReportCell.int) ?? .empty]
            }
            let over = r.overScalePercent ?? 0, percent = r.percentAllowances ?? 0
            row += [decimal(r.positionAllowance), decimal(r.responsibilityAllowance), decimal(r.regionalAllowance),
                    over > 0 ? .int(over) : .empty, over + percent > 0 ? .int(over + percent) : .empty,
                    .text(r.otherAllowances ?? "")]
            table.rows.append(row)
        }
        var total = [ReportCell](repeating: .empty, count: table.columns.count)
        total[1] = .text("Tổng cộng: \(people.count) người")
        table.total = total
        table.notes = ["Mức lương và phụ cấp hưởng tại ngày \(asOf.display) (theo diễn biến lương); thời gian tính đến ngày đó.",
                       "Tổng phụ cấp theo phần trăm = phụ cấp thâm niên vượt khung + các phụ cấp khác tính theo % lương."]
        table.signatures = ["Người lập bảng", "Thủ trưởng đơn vị"]
        return table
    }
}
