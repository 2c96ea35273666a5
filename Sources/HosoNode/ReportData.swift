import Foundation
import HosoDomain
import HosoSQLite

/// Reports progress (phase, fraction 0…1); throwing from it cancels the report.
public typealias ReportProgress = (_ phase: String, _ fraction: Double) throws -> Void

/// A person as the reports see them on the report date: the salary in force on that
/// date (from the salary history when the current one started later), the time in
/// grade, and the fields the forms count.
struct StaffRecord {
    var id = "", unitID = "", fullName = "", nameSort = ""
    var birth = CalendarDate(year: 1970, month: 1, day: 1)!
    var precision = BirthPrecision.day
    var sex: String?
    var female: Bool { sex == "2" }
    var ethnicity, religion, staffCategory, positionCode, positionTitle: String?
    var positionAppointed, partyJoin, recruitment, createdOn: CalendarDate?
    var ngach: String?
    var step: Int?
    var coefficient, positionAllowance, responsibilityAllowance, regionalAllowance: Double?
    var overScalePercent, percentAllowances: Int?
    var salaryEffective, ngachSince: CalendarDate?
    var otherAllowances: String?
    var qualification, generalEducation, politicalTheory, stateManagement, itLevel, englishLevel, otherLanguageLevel: String?
    var ethnicLanguageCert = false, rotatedFromDistrict = false
    var employmentStatus: String?
    /// Age in whole years and whether the retirement age is reached, on the report date
    /// (computed once per person: the forms test them in several columns).
    var ageOnDate = 0
    var overRetirementAge = false
    /// Every selected column as text, for the report builder's list columns.
    var raw: [String: DatabaseValue] = [:]

    /// Age in whole years on `date`.
    func age(on date: CalendarDate) -> Int { birth.years(until: date) }

    /// Date of birth as the forms print it (only the known part).
    var birthText: String {
        switch precision {
        case .day: birth.display
        case .month: FastFormat.padded(birth.month, width: 2) + "/" + String(birth.year)
        case .year: String(birth.year)
        }
    }

    func retirementDate() -> CalendarDate { RetirementRule.retirementDate(birth: birth, precision: precision, female: female) }
}

/// A unit of the report's subtree.
struct ReportUnit {
    var id: String, code: String, name: String, parent: String?
    /// Position in tree order (parents before children, siblings by code).
    var order = 0
    var depth = 0
}

/// What a report reads once, in one snapshot: units, catalogues, and the staff employed
/// on the report date within the scope.
struct ReportContext {
    let asOf: CalendarDate
    let root: ReportUnit
    var units: [String: ReportUnit] = [:]
    var names: [String: [String: String]] = [:]
    var attributes: [String: [String: [String: String]]] = [:]
    var staff: [StaffRecord] = []

    func name(_ catalogue: CatalogueID, _ code: String?) -> String {
        guard let code else { return "" }
        return names[catalogue.rawValue]?[code] ?? code
    }

    func attribute(_ catalogue: CatalogueID, _ code: String?, _ key: String) -> String? {
        guard let code else { return nil }
        return attributes[catalogue.rawValue]?[code]?[key]
    }

    /// The administrative grade a ngạch counts as in the forms (`cvcc`, `cvc`, `cv`, `cs`, `nv`).
    func equivalentGrade(_ ngach: String?) -> String? {
        guard let ngach else { return nil }
        if let explicit = attribute(.ngach, ngach, "tuong_duong") { return explicit }
        return attribute(.ngach, ngach, "nhom").map { SalaryScale.equivalentGrade(group: $0) }
    }

    /// Units in tree order.
    var unitsInOrder: [ReportUnit] { units.values.sorted { $0.order < $1.order } }

    /// For each unit of the subtree, the child of the root it lies under (the root for itself).
    func rowUnit() -> [String: String] {
        var result: [String: String] = [root.id: root.id]
        for unit in units.values where unit.id != root.id {
            var current = unit
            var guardCount = 0
            while let parent = current.parent, parent != root.id, let up = units[parent], guardCount < 1_000 {
                current = up
                guardCount += 1
            }
            result[unit.id] = current.id
        }
        return result
    }
}

extension NodeStore {
    /// Statuses of people who left the unit's management (a movement recorded).
    static let leavingStatuses: Set<String> = ["nghi_huu", "thoi_viec", "tu_tran", "chuyen_khoi_dang", "chuyen_ngoai_tinh"]

    /// Person columns a report reads.
    public static let reportColumns = [
        "id", "unit_id", "full_name", "name_sort", "birth_date", "birth_date_precision", "sex", "ethnicity", "religion", "staff_category",
        "position_code", "position_title", "position_appointed_date", "party_join_date", "recruitment_date", "created_at", "ngach", "ngach_date",
        "salary_step", "salary_coefficient", "salary_effective_date", "position_allowance", "responsibility_allowance", "regional_allowance",
        "over_scale_percent", "percent_allowances", "other_allowances", "qualification", "general_education", "political_theory",
        "state_management", "it_level", "english_level", "other_language_level", "ethnic_language_cert", "rotated_from_district",
        "employment_status",
    ]

    /// Checks the scope and reads units and catalogues (inside a read transaction).
    func reportContext(_ c: Connection, _ actor: Principal, unitID: String?, asOf: CalendarDate) throws -> ReportContext {
        try actor.require(.reports)
        let rootID: String
        if let unitID {
            rootID = unitID
        } else if actor.role.scope == .province {
            guard let top = try c.scalar("SELECT id FROM units WHERE parent_id IS NULL AND deleted = 0 ORDER BY code LIMIT 1", as: String.self) else {
                throw NodeError.notFound("đơn vị")
            }
            rootID = top
        } else {
            guard let own = actor.unitID else { throw NodeError.forbidden("Tài khoản không gắn với đơn vị nào.") }
            rootID = own
        }
        guard actor.reaches(unit: rootID) else { throw NodeError.notFound("đơn vị '\(rootID)'") }
        let rows = try c.rows("""
            WITH RECURSIVE tree(id, depth) AS (
                SELECT id, 0 FROM units WHERE id = ? AND deleted = 0
                UNION SELECT u.id, t.depth + 1 FROM units u JOIN tree t ON u.parent_id = t.id WHERE u.deleted = 0
            ) SELECT u.id, u.code, u.name, u.parent_id, t.depth FROM tree t JOIN units u ON u.id = t.id
            """, [rootID])
        guard !rows.isEmpty else { throw NodeError.notFound("đơn vị '\(rootID)'") }
        var units: [String: ReportUnit] = [:]
        for row in rows {
            let unit = ReportUnit(id: row.get("id") ?? "", code: row.get("code") ?? "", name: row.get("name") ?? "",
                                  parent: row.get("parent_id"), depth: row.get("depth") ?? 0)
            units[unit.id] = unit
        }
        // Tree order: depth-first, siblings by code.
        var children: [String: [ReportUnit]] = [:]
        for unit in units.values where unit.id != rootID { children[unit.parent ?? "", default: []].append(unit) }
        var order = 0
        func visit(_ id: String) {
            units[id]?.order = order
            order += 1
            for child in (children[id] ?? []).sorted(by: { ($0.code, $0.name) < ($1.code, $1.name) }) { visit(child.id) }
        }
        visit(rootID)
        var context = ReportContext(asOf: asOf, root: units[rootID]!)
        context.units = units
        for row in try c.rows("SELECT catalogue_id, code, name, attributes FROM catalogue_entries WHERE deleted = 0") {
            let catalogue: String = row.get("catalogue_id") ?? "", code: String = row.get("code") ?? ""
            context.names[catalogue, default: [:]][code] = row.get("name") ?? code
            if let text: String = row.get("attributes"), text != "{}", case .object(let o)? = try? JSONValue.parse(text) {
                context.attributes[catalogue, default: [:]][code] = o.compactMapValues(\.stringValue)
            }
        }
        return context
    }

    /// Reads the people of `context`'s subtree employed on its date (or, with
    /// `extraConditions`, those matching them), with the salary in force on that date.
    func loadStaff(_ c: Connection, _ actor: Principal, _ context: inout ReportContext, conditions extra: [String] = [],
                   arguments extraArguments: [DatabaseValueConvertible] = [], employedOnly: Bool = true,
                   extraColumns: [String] = [], progress: ReportProgress) throws {
        var (conditions, arguments) = Self.reachConditions(actor)
        let unitIDs = context.units.keys.sorted()
        conditions.append("p.unit_id IN (SELECT value FROM json_each(?))")
        arguments.append(JSONValue.array(unitIDs.map(JSONValue.string)).jsonString())
        conditions += extra
        arguments += extraArguments
        let whereClause = conditions.joined(separator: " AND ")
        let columns = Self.reportColumns + extraColumns.filter { !Self.reportColumns.contains($0) }
        try progress("Đọc hồ sơ", 0.05)
        let rows = try c.rows("SELECT \(columns.map { "p.\($0)" }.joined(separator: ", ")) FROM person p WHERE \(whereClause)", arguments)
        try progress("Đọc diễn biến lương", 0.3)
        // Salary history of those people, oldest first.
        var history: [String: [(date: CalendarDate, ngach: String?, step: Int?, coefficient: Double?, allowance: Double?, overScale: Int?)]] = [:]
        for row in try c.rows("""
            SELECT s.person_id, s.effective_date, s.ngach, s.step, s.coefficient, s.position_allowance, s.over_scale_percent
            FROM salary_history s WHERE s.deleted = 0 AND s.person_id IN (SELECT p.id FROM person p WHERE \(whereClause))
            ORDER BY s.person_id, s.effective_date
            """, arguments) {
            guard let date = row.values[1].text.flatMap(CalendarDate.init(iso:)), let person = row.values[0].text else { continue }
            history[person, default: []].append((date, row.values[2].text, row.values[3].int, row.values[4].double, row.values[5].double,
                                                 row.values[6].int))
        }
        // When people who left did so (the movement's effective date).
        var left: [String: CalendarDate] = [:]
        if employedOnly {
            for row in try c.rows("""
                SELECT w.person_id, max(w.effective_date) FROM work_history w
                WHERE w.deleted = 0 AND w.event_type IN ('nghi_huu', 'thoi_viec', 'tu_tran', 'chuyen_khoi_dang', 'chuyen_ngoai_tinh')
                    AND w.person_id IN (SELECT p.id FROM person p WHERE \(whereClause) AND p.employment_status IN
                        ('nghi_huu', 'thoi_viec', 'tu_tran', 'chuyen_khoi_dang', 'chuyen_ngoai_tinh'))
                GROUP BY w.person_id
                """, arguments) {
                if let person = row.values[0].text, let date = row.values[1].text.flatMap(CalendarDate.init(iso:)) { left[person] = date }
            }
        }
        try progress("Tổng hợp", 0.5)
        let asOf = context.asOf
        var staff: [StaffRecord] = []
        staff.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            if index % 5_000 == 4_999 { try progress("Tổng hợp", 0.5 + 0.3 * Double(index) / Double(rows.count)) }
            let v = row.values
            var r = StaffRecord()
            r.id = v[0].text ?? ""
            r.unitID = v[1].text ?? ""
            r.fullName = v[2].text ?? ""
            r.nameSort = v[3].text ?? ""
            guard let birth = v[4].text.flatMap(CalendarDate.init(iso:)) else { continue }
            r.birth = birth
            r.precision = v[5].text.flatMap(BirthPrecision.init(rawValue:)) ?? .day
            r.sex = v[6].text
            r.ethnicity = v[7].text
            r.religion = v[8].text
            r.staffCategory = v[9].text
            r.positionCode = v[10].text
            r.positionTitle = v[11].text
            r.positionAppointed = v[12].text.flatMap(CalendarDate.init(iso:))
            r.partyJoin = v[13].text.flatMap(CalendarDate.init(iso:))
            r.recruitment = v[14].text.flatMap(CalendarDate.init(iso:))
            r.createdOn = v[15].text.flatMap { CalendarDate(iso: String($0.prefix(10))) }
            r.ngach = v[16].text
            let ngachDate = v[17].text.flatMap(CalendarDate.init(iso:))
            r.step = v[18].int
            r.coefficient = v[19].double
            r.salaryEffective = v[20].text.flatMap(CalendarDate.init(iso:))
            r.positionAllowance = v[21].double
            r.responsibilityAllowance = v[22].double
            r.regionalAllowance = v[23].double
            r.overScalePercent = v[24].int
            r.percentAllowances = v[25].int
            r.otherAllowances = v[26].text
            r.qualification = v[27].text
            r.generalEducation = v[28].text
            r.politicalTheory = v[29].text
            r.stateManagement = v[30].text
            r.itLevel = v[31].text
            r.englishLevel = v[32].text
            r.otherLanguageLevel = v[33].text
            r.ethnicLanguageCert = v[34].int == 1
            r.rotatedFromDistrict = v[35].int == 1
            r.employmentStatus = v[36].text
            for (i, name) in columns.enumerated() where extraColumns.contains(name) { r.raw[name] = v[i] }
            if employedOnly {
                if birth > asOf { continue }
                if let status = r.employmentStatus, Self.leavingStatuses.contains(status) {
                    guard let date = left[r.id], date > asOf else { continue }
                } else if let recruited = r.recruitment, recruited > asOf {
                    continue
                }
            }
            r.ageOnDate = birth.years(until: asOf)
            r.overRetirementAge = r.retirementDate() <= asOf
            // The salary in force on the report date.
            let past = (history[r.id] ?? []).filter { $0.date <= asOf }
            var fromPerson = true
            if let effective = r.salaryEffective, effective > asOf, let last = past.last {
                fromPerson = false
                r.ngach = last.ngach
                r.step = last.step
                r.coefficient = last.coefficient
                r.positionAllowance = last.allowance
                r.overScalePercent = last.overScale
                r.salaryEffective = last.date
            }
            // Time in grade, equivalent grades included: the declared date of entering the
            // grade, else the earliest salary row of the unbroken run of equivalent grades.
            let grade = context.equivalentGrade(r.ngach)
            if let ngachDate, fromPerson, ngachDate <= asOf {
                r.ngachSince = ngachDate
            } else if grade != nil {
                var since: CalendarDate? = fromPerson ? r.salaryEffective : nil
                for entry in past.reversed() {
                    guard context.equivalentGrade(entry.ngach) == grade else { break }
                    since = entry.date
                }
                r.ngachSince = since
            }
            staff.append(r)
        }
        context.staff = staff
        try progress("Lập bảng", 0.85)
    }
}

extension DatabaseValue {
    var text: String? { if case .text(let s) = self { s } else { nil } }
    var int: Int? {
        switch self {
        case .integer(let n): Int(n)
        case .real(let d): Int(exactly: d)
        default: nil
        }
    }
    var double: Double? {
        switch self {
        case .integer(let n): Double(n)
        case .real(let d): d
        default: nil
        }
    }
}
