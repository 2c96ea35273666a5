import Foundation
import HosoDomain
import HosoSQLite

/// A report the user composes: who (search criteria), grouped by what, showing which
/// columns. With `groupBy` it counts (people, women, Party members, ethnic minorities,
/// average age) per group; without, it lists people with the chosen columns.
public struct CustomReportRequest: Sendable {
    public var criteria = SearchCriteria()
    public var groupBy: [String] = []
    public var columns: [String] = ["full_name", "birth_date", "sex", "unit", "position_title", "ngach"]
    public var title: String?
    public var asOf: CalendarDate?

    /// Dimensions a report can group by.
    public static let dimensions: [String: String] = [
        "unit": "Đơn vị", "sex": "Giới tính", "ethnicity": "Dân tộc", "religion": "Tôn giáo", "ngach": "Ngạch",
        "grade_equivalent": "Ngạch tương đương", "qualification": "Trình độ chuyên môn", "political_theory": "Lý luận chính trị",
        "state_management": "Quản lý nhà nước", "it_level": "Tin học", "english_level": "Tiếng Anh", "staff_category": "Loại cán bộ",
        "employment_status": "Tình trạng công tác", "general_education": "Giáo dục phổ thông", "position_code": "Chức vụ",
        "age_band": "Độ tuổi", "birth_year": "Năm sinh", "party_member": "Đảng viên",
    ]
    /// Columns a list can show besides the person's own fields.
    public static let computedColumns: [String: String] = [
        "unit": "Đơn vị", "age": "Tuổi", "retirement_date": "Ngày nghỉ hưu", "grade_time": "Thời gian giữ ngạch",
    ]

    public init() {}

    public init(json: JSONValue) throws {
        guard case .object(let o) = json else {
            throw NodeError.validation([FieldError(field: "report", code: "invalid_type", message: "Yêu cầu báo cáo phải là một đối tượng JSON.")])
        }
        var errors: [FieldError] = []
        for key in o.keys where !["criteria", "group_by", "columns", "title", "as_of"].contains(key) {
            errors.append(FieldError(field: key, code: "unknown_field", message: "Không có tham số '\(key)'."))
        }
        if let c = o["criteria"], c != .null {
            do { criteria = try SearchCriteria(json: c) } catch let e as NodeError {
                errors += e.fieldErrors.map { FieldError(field: "criteria.\($0.field)", code: $0.code, message: $0.message) }
            }
        }
        func list(_ key: String, max: Int) -> [String]? {
            guard let value = o[key], value != .null else { return nil }
            guard case .array(let items) = value, items.count <= max, let names = Optional(items.compactMap(\.stringValue)), names.count == items.count else {
                errors.append(FieldError(field: key, code: "invalid_type", message: "Phải là danh sách tối đa \(max) tên."))
                return nil
            }
            return names
        }
        if let g = list("group_by", max: 2) {
            for d in g where Self.dimensions[d] == nil {
                errors.append(FieldError(field: "group_by", code: "unknown_field", message: "Không nhóm được theo '\(d)'. Chọn: \(Self.dimensions.keys.sorted().joined(separator: ", ")).")) }
            groupBy = g
        }
        if let cols = list("columns", max: 40) {
            for name in cols where Self.computedColumns[name] == nil && DossierSchema.person.field(name) == nil {
                errors.append(FieldError(field: "columns", code: "unknown_field", message: "Không có cột '\(name)'."))
            }
            if cols.isEmpty { errors.append(FieldError(field: "columns", code: "required", message: "Chọn ít nhất một cột.")) }
            columns = cols
        }
        if let t = o["title"], t != .null {
            if let s = t.stringValue, s.count <= 200 { title = s.trimmingCharacters(in: .whitespaces).isEmpty ? nil : s } else {
                errors.append(FieldError(field: "title", code: "too_long", message: "Tiêu đề là chuỗi tối đa 200 ký tự."))
            }
        }
        if let d = o["as_of"], d != .null {
            if let s = d.stringValue, let date = CalendarDate(iso: s) { asOf = date } else {
                errors.append(FieldError(field: "as_of", code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd)."))
            }
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
    }
}

/// Staffing of one unit and category in a year: quota against headcount.
public struct StaffingRowDTO: Codable, Sendable, Equatable {
    public var unit_id: String
    public var unit_name: String
    public var depth: Int
    public var year: Int
    public var category: String
    public var category_name: String
    /// nil: no quota assigned for that year.
    public var quota: Int?
    public var actual: Int
    /// actual − quota (nil without a quota): positive means over the quota.
    public var difference: Int?
    /// `over`, `under`, `ok` or `no_quota`.
    public var status: String
    public var status_name: String
}

extension NodeStore {
    // MARK: Report builder

    public func customReport(_ actor: Principal, _ request: CustomReportRequest, progress: ReportProgress = { _, _ in }) throws -> ReportTable {
        let asOf = request.asOf ?? request.criteria.asOf ?? .today()
        let table = try db.snapshotRead { c -> ReportTable in
            var context = try self.reportContext(c, actor, unitID: request.criteria.unitID, asOf: asOf)
            let (conditions, arguments) = try self.searchConditions(c, actor, request.criteria)
            let fields = request.groupBy.isEmpty ? request.columns.filter { DossierSchema.person.field($0) != nil } : []
            try self.loadStaff(c, actor, &context, conditions: conditions, arguments: arguments,
                               employedOnly: request.criteria.codes["employment_status"] == nil, extraColumns: fields, progress: progress)
            return request.groupBy.isEmpty ? Self.listReport(request, context) : Self.groupedReport(request, context)
        }
        try auditReport(actor, report: "custom", unitID: request.criteria.unitID, asOf: asOf, rows: table.rows.count,
                        extra: ["criteria": request.criteria.json, "group_by": .array(request.groupBy.map(JSONValue.string))])
        return table
    }

    static func dimensionValue(_ dimension: String, _ r: StaffRecord, _ ctx: ReportContext) -> (key: String, label: String) {
        func code(_ catalogue: CatalogueID, _ value: String?) -> (String, String) {
            guard let value else { return ("~", "(chưa có)") }
            return (value, ctx.name(catalogue, value))
        }
        switch dimension {
        case "unit":
            let unit = ctx.units[r.unitID]
            return (String(format: "%06d", unit?.order ?? 0), unit?.name ?? r.unitID)
        case "sex": return code(.gioiTinh, r.sex)
        case "ethnicity": return code(.danToc, r.ethnicity)
        case "religion": return code(.tonGiao, r.religion)
        case "ngach": return code(.ngach, r.ngach)
        case "grade_equivalent":
            let labels = ["cvcc": "1|Chuyên viên cao cấp và tương đương", "cvc": "2|Chuyên viên chính và tương đương", "cv": "3|Chuyên viên và tương đương",
                          "cs": "4|Cán sự và tương đương", "nv": "5|Nhân viên"]
            guard let g = ctx.equivalentGrade(r.ngach), let l = labels[g] else { return ("~", "(chưa có)") }
            return (String(l.prefix(1)), String(l.dropFirst(2)))
        case "qualification": return code(.trinhDoChuyenMon, r.qualification)
        case "political_theory": return code(.lyLuanChinhTri, r.politicalTheory)
        case "state_management": return code(.quanLyNhaNuoc, r.stateManagement)
        case "it_level": return code(.tinHoc, r.itLevel)
        case "english_level": return code(.trinhDoNgoaiNgu, r.englishLevel)
        case "staff_category": return code(.loaiCanBo, r.staffCategory)
        case "employment_status": return code(.tinhTrangCongTac, r.employmentStatus)
        case "general_education": return code(.giaoDucPhoThong, r.generalEducation)
        case "position_code": return code(.chucVu, r.positionCode)
        case "age_band":
            let age = r.age(on: ctx.asOf)
            switch age {
            case ...30: return ("1", "Từ 30 trở xuống")
            case 31...40: return ("2", "Từ 31 đến 40")
            case 41...50: return ("3", "Từ 41 đến 50")
            case 51...60: return ("4", "Từ 51 đến 60")
            default: return ("5", "Trên 60")
            }
        case "birth_year": return (String(r.birth.year), String(r.birth.year))
        case "party_member":
            let member = r.partyJoin.map { $0 <= ctx.asOf } ?? false
            return member ? ("1", "Đảng viên") : ("2", "Không phải đảng viên")
        default: return ("", "")
        }
    }

    static func groupedReport(_ request: CustomReportRequest, _ ctx: ReportContext) -> ReportTable {
        var header: [ReportHeader] = [.column(ReportColumn("stt", "STT", .text))]
        header += request.groupBy.map { .column(ReportColumn($0, CustomReportRequest.dimensions[$0] ?? $0, .text)) }
        header += [.column(ReportColumn("count", "Số người")),
                   .group("Trong đó", [.column(ReportColumn("female", "Nữ")), .column(ReportColumn("party", "Đảng viên")),
                                       .column(ReportColumn("minority", "Dân tộc thiểu số"))]),
                   .column(ReportColumn("avg_age", "Tuổi bình quân", .decimal))]
        var table = ReportTable(id: "custom", title: request.title ?? "Báo cáo thống kê theo tiêu chí", header: header)
        table.lines = Self.header(ctx, table.title, form: nil) + ["Đơn vị tính: người"]
        var groups: [[String]: (labels: [String], people: [StaffRecord])] = [:]
        for r in ctx.staff {
            let values = request.groupBy.map { dimensionValue($0, r, ctx) }
            groups[values.map(\.key), default: (values.map(\.label), [])].people.append(r)
        }
        func measures(_ people: [StaffRecord]) -> [ReportCell] {
            let female = people.filter(\.female).count
            let party = people.filter { $0.partyJoin.map { $0 <= ctx.asOf } ?? false }.count
            let minority = people.filter { $0.ethnicity.map { !["01", "55", "99"].contains($0) } ?? false }.count
            let age = people.isEmpty ? ReportCell.empty : .decimal(Double(people.reduce(0) { $0 + $1.age(on: ctx.asOf) }) / Double(people.count))
            return [.int(people.count), .int(female), .int(party), .int(minority), age]
        }
        for (index, key) in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).enumerated() {
            let group = groups[key]!
            table.rows.append([.text(String(index + 1))] + group.labels.map(ReportCell.text) + measures(group.people))
        }
        table.total = [.text("")] + request.groupBy.indices.map { $0 == 0 ? .text("Tổng cộng") : .empty } + measures(ctx.staff)
        table.notes = ["Tiêu chí: \(request.criteria.json.jsonString())", "Tuổi tính đến ngày \(ctx.asOf.display)."]
        return table
    }

    static func listReport(_ request: CustomReportRequest, _ ctx: ReportContext) -> ReportTable {
        var header: [ReportHeader] = [.column(ReportColumn("stt", "STT", .text))]
        for name in request.columns {
            if let label = CustomReportRequest.computedColumns[name] {
                header.append(.column(ReportColumn(name, label, name == "age" ? .integer : .text)))
            } else if let field = DossierSchema.person.field(name) {
                let kind: ReportColumn.Kind = switch field.type { case .integer, .year: .integer; case .decimal: .decimal; default: .text }
                header.append(.column(ReportColumn(name, field.label, kind)))
            }
        }
        var table = ReportTable(id: "custom", title: request.title ?? "Danh sách cán bộ, công chức, viên chức theo tiêu chí", header: header)
        table.lines = Self.header(ctx, table.title, form: nil)
        let people = ctx.staff.sorted { a, b in
            let ua = ctx.units[a.unitID]?.order ?? 0, ub = ctx.units[b.unitID]?.order ?? 0
            return ua != ub ? ua < ub : (a.nameSort, a.id) < (b.nameSort, b.id)
        }
        for (index, r) in people.enumerated() {
            var row: [ReportCell] = [.text(String(index + 1))]
            for name in request.columns {
                switch name {
                case "unit": row.append(.text(ctx.units[r.unitID]?.name ?? ""))
                case "age": row.append(.int(r.age(on: ctx.asOf)))
                case "retirement_date": row.append(.text(r.retirementDate().display))
                case "grade_time": row.append(.text(r.ngachSince.map { CalendarDate.durationText(months: $0.months(until: ctx.asOf)) } ?? ""))
                case "birth_date": row.append(.text(r.birthText))
                default:
                    guard let field = DossierSchema.person.field(name) else { continue }
                    let value = r.raw[name] ?? .null
                    switch field.type {
                    case .code(let catalogue): row.append(value.text.map { .text(ctx.name(catalogue, $0)) } ?? .empty)
                    case .date: row.append(value.text.flatMap(CalendarDate.init(iso:)).map { .text($0.display) } ?? .empty)
                    case .boolean: row.append(value.int == 1 ? .text("Có") : .empty)
                    case .integer, .year: row.append(value.int.map(ReportCell.int) ?? .empty)
                    case .decimal: row.append(value.double.map(ReportCell.decimal) ?? .empty)
                    case .month: row.append(value.text.map(ReportCell.text) ?? .empty)
                    default: row.append(value.text.map(ReportCell.text) ?? .empty)
                    }
                }
            }
            table.rows.append(row)
        }
        var total = [ReportCell](repeating: .empty, count: table.columns.count)
        if total.count > 1 { total[1] = .text("Tổng cộng: \(people.count) người") }
        table.total = total
        table.notes = ["Tiêu chí: \(request.criteria.json.jsonString())"]
        return table
    }

    // MARK: Staffing

    /// Quota against headcount for every unit of the subtree and category that has either,
    /// in a year: headcount of people employed on 31 December (today, for the current year).
    public func staffingRows(_ actor: Principal, unitID: String?, year: Int, progress: ReportProgress = { _, _ in }) throws -> [StaffingRowDTO] {
        guard (2000...2100).contains(year) else {
            throw NodeError.validation([FieldError(field: "year", code: "out_of_range", message: "Năm phải từ 2000 đến 2100.")])
        }
        let asOf = min(CalendarDate(year: year, month: 12, day: 31)!, .today())
        return try db.snapshotRead { c in
            var context = try self.reportContext(c, actor, unitID: unitID, asOf: asOf)
            try self.loadStaff(c, actor, &context, progress: progress)
            var quota: [String: [String: Int]] = [:], actual: [String: [String: Int]] = [:]
            for row in try c.rows("SELECT unit_id, category, quota FROM staffing_quotas WHERE year = ? AND deleted = 0", [year]) {
                guard let unit: String = row.get("unit_id"), context.units[unit] != nil, let category: String = row.get("category") else { continue }
                quota[unit, default: [:]][category] = row.get("quota") ?? 0
            }
            for r in context.staff { actual[r.unitID, default: [:]][r.staffCategory ?? "khac", default: 0] += 1 }
            var rows: [StaffingRowDTO] = []
            for unit in context.unitsInOrder {
                let categories = Set((quota[unit.id] ?? [:]).keys).union((actual[unit.id] ?? [:]).keys)
                for category in categories.sorted() {
                    let q = quota[unit.id]?[category], a = actual[unit.id]?[category] ?? 0
                    let status = q.map { a > $0 ? "over" : a < $0 ? "under" : "ok" } ?? "no_quota"
                    let statusName = ["over": "Vượt biên chế", "under": "Chưa đủ biên chế", "ok": "Đủ biên chế", "no_quota": "Chưa giao biên chế"][status]!
                    rows.append(StaffingRowDTO(unit_id: unit.id, unit_name: unit.name, depth: unit.depth, year: year, category: category,
                                               category_name: category == "khac" ? "(chưa phân loại)" : context.name(.loaiCanBo, category),
                                               quota: q, actual: a, difference: q.map { a - $0 }, status: status, status_name: statusName))
                }
            }
            return rows
        }
    }

    static func staffingTable(_ rows: [StaffingRowDTO], unitName: String, year: Int) -> ReportTable {
        var table = ReportTable(id: "staffing", title: "Báo cáo biên chế được giao và hiện có năm \(year)", header: [
            .column(ReportColumn("stt", "STT", .text)), .column(ReportColumn("unit", "Đơn vị", .text)),
            .column(ReportColumn("category", "Loại", .text)), .column(ReportColumn("quota", "Biên chế được giao")),
            .column(ReportColumn("actual", "Hiện có")), .column(ReportColumn("difference", "Chênh lệch")),
            .column(ReportColumn("status", "Tình trạng", .text)),
        ])
        table.lines = ["Đơn vị: \(unitName)", "Đơn vị tính: người"]
        table.rows = rows.enumerated().map { index, r in
            [.text(String(index + 1)), .text(String(repeating: "— ", count: r.depth) + r.unit_name), .text(r.category_name),
             r.quota.map(ReportCell.int) ?? .empty, .int(r.actual), r.difference.map(ReportCell.int) ?? .empty, .text(r.status_name)]
        }
        let quotas = rows.compactMap(\.quota)
        table.total = [.empty, .text("Tổng cộng"), .empty, quotas.isEmpty ? .empty : .int(quotas.reduce(0, +)), .int(rows.reduce(0) { $0 + $1.actual }), .empty,
                       .text("\(rows.filter { $0.status == "over" }.count) vượt, \(rows.filter { $0.status == "under" }.count) thiếu")]
        table.notes = ["Hiện có: người đang công tác tại ngày 31/12/\(year) (hoặc hôm nay với năm hiện tại), theo loại cán bộ trong hồ sơ."]
        return table
    }
}
