import Foundation
import HosoDomain
import HosoSQLite

/// Search by optional criteria (issue 6): any combination, paged and sorted, within the
/// user's reach. Built from a JSON object so that a saved search is the same object.
public struct SearchCriteria: Sendable {
    /// Name words (any case, with or without diacritics), matched as word prefixes.
    public var name: String?
    /// Start of the personal id number.
    public var personalID: String?
    public var unitID: String?
    public var includeSubunits = true
    /// Code-list criteria: field → accepted codes (any of).
    public var codes: [String: [String]] = [:]
    /// Age in whole years on `asOf` (default today).
    public var ageMin: Int?
    public var ageMax: Int?
    public var asOf: CalendarDate?
    /// Party membership: true = has a date of joining the Party, false = has none.
    public var partyMember: Bool?
    /// Date criteria: field → (from, to), both inclusive, either optional.
    public var dates: [String: (from: CalendarDate?, to: CalendarDate?)] = [:]
    /// `name` (Vietnamese order), `birth_date`, `updated_at`, `unit`; `desc` reverses.
    public var sort = "name"
    public var descending = false
    public var page = 1
    public var perPage = 50

    /// Fields that take a list of codes.
    public static let codeFields = ["sex", "ethnicity", "religion", "ngach", "qualification", "political_theory", "state_management",
                                    "it_level", "employment_status", "staff_category", "position_code", "general_education", "academic_title"]
    /// Date fields that take a range.
    public static let dateFields = DossierSchema.person.fields.filter { $0.type == .date }.map(\.name)
    static let sorts = ["name": "p.name_sort", "birth_date": "p.birth_date", "updated_at": "p.updated_at", "unit": "u.name"]
    static let keys = Set(["name", "personal_id", "unit_id", "include_subunits", "age_min", "age_max", "as_of", "party_member",
                           "dates", "sort", "order", "page", "per_page"] + codeFields)

    public init() {}

    /// Reads criteria from JSON, reporting every problem at once (422 with fields).
    public init(json: JSONValue) throws {
        guard case .object(let o) = json else {
            throw NodeError.validation([FieldError(field: "criteria", code: "invalid_type", message: "Điều kiện tìm kiếm phải là một đối tượng JSON.")])
        }
        var errors: [FieldError] = []
        for key in o.keys where !Self.keys.contains(key) {
            errors.append(FieldError(field: key, code: "unknown_field", message: "Không có điều kiện '\(key)'."))
        }
        func text(_ key: String, max: Int) -> String? {
            guard let value = o[key], value != .null else { return nil }
            guard let s = value.stringValue else { errors.append(FieldError(field: key, code: "invalid_type", message: "Phải là chuỗi.")); return nil }
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.count > max { errors.append(FieldError(field: key, code: "too_long", message: "Dài quá \(max) ký tự.")); return nil }
            return t.isEmpty ? nil : t
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = o[key], value != .null else { return nil }
            guard let d = value.numberValue, let n = Int(exactly: d), range.contains(n) else {
                errors.append(FieldError(field: key, code: "out_of_range", message: "Phải là số nguyên từ \(range.lowerBound) đến \(range.upperBound)."))
                return nil
            }
            return n
        }
        func bool(_ key: String) -> Bool? {
            guard let value = o[key], value != .null else { return nil }
            guard case .bool(let b) = value else { errors.append(FieldError(field: key, code: "invalid_type", message: "Phải là true hoặc false.")); return nil }
            return b
        }
        func date(_ value: JSONValue?, field: String) -> CalendarDate? {
            guard let value, value != .null else { return nil }
            guard let s = value.stringValue, let d = CalendarDate(iso: s) else {
                errors.append(FieldError(field: field, code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd)."))
                return nil
            }
            return d
        }
        name = text("name", max: 200)
        personalID = text("personal_id", max: 12)
        if let id = personalID, !id.allSatisfy(\.isNumber) {
            errors.append(FieldError(field: "personal_id", code: "invalid_format", message: "Số định danh chỉ gồm chữ số."))
        }
        unitID = text("unit_id", max: 64)
        includeSubunits = bool("include_subunits") ?? true
        for field in Self.codeFields {
            guard let value = o[field], value != .null else { continue }
            let list: [String]?
            switch value {
            case .string(let s): list = [s]
            case .array(let items): list = items.count <= 200 ? items.compactMap(\.stringValue) : nil
                if list?.count != items.count { errors.append(FieldError(field: field, code: "invalid_type", message: "Phải là danh sách mã.")); continue }
            default: list = nil
            }
            guard let list else { errors.append(FieldError(field: field, code: "invalid_type", message: "Phải là mã hoặc danh sách mã.")); continue }
            if !list.isEmpty { codes[field] = list }
        }
        ageMin = int("age_min", 0...120)
        ageMax = int("age_max", 0...120)
        if let lo = ageMin, let hi = ageMax, lo > hi {
            errors.append(FieldError(field: "age_max", code: "inconsistent", message: "Tuổi đến nhỏ hơn tuổi từ."))
        }
        asOf = date(o["as_of"], field: "as_of")
        partyMember = bool("party_member")
        if let value = o["dates"], value != .null {
            if case .object(let ranges) = value {
                for (field, range) in ranges {
                    guard Self.dateFields.contains(field) else {
                        errors.append(FieldError(field: "dates.\(field)", code: "unknown_field", message: "Không phải trường ngày của hồ sơ."))
                        continue
                    }
                    let from = date(range["from"], field: "dates.\(field).from"), to = date(range["to"], field: "dates.\(field).to")
                    if let from, let to, from > to {
                        errors.append(FieldError(field: "dates.\(field).to", code: "inconsistent", message: "Ngày đến trước ngày từ."))
                    }
                    if from != nil || to != nil { dates[field] = (from, to) }
                }
            } else {
                errors.append(FieldError(field: "dates", code: "invalid_type", message: "Phải là đối tượng {trường: {from, to}}."))
            }
        }
        if let s = text("sort", max: 20) {
            if Self.sorts[s] == nil { errors.append(FieldError(field: "sort", code: "invalid_format", message: "Sắp xếp theo: name, birth_date, updated_at, unit.")) } else { sort = s }
        }
        if let order = text("order", max: 4) {
            if order != "asc" && order != "desc" { errors.append(FieldError(field: "order", code: "invalid_format", message: "asc hoặc desc.")) }
            descending = order == "desc"
        }
        page = int("page", 1...100_000) ?? 1
        perPage = int("per_page", 1...200) ?? 50
        if !errors.isEmpty { throw NodeError.validation(errors) }
    }

    /// The criteria as JSON (what a saved search stores).
    public var json: JSONValue {
        var o: JSONObject = [:]
        if let name { o["name"] = .string(name) }
        if let personalID { o["personal_id"] = .string(personalID) }
        if let unitID { o["unit_id"] = .string(unitID); o["include_subunits"] = .bool(includeSubunits) }
        for (field, list) in codes { o[field] = .array(list.map(JSONValue.string)) }
        if let ageMin { o["age_min"] = .number(Double(ageMin)) }
        if let ageMax { o["age_max"] = .number(Double(ageMax)) }
        if let asOf { o["as_of"] = .string(asOf.iso) }
        if let partyMember { o["party_member"] = .bool(partyMember) }
        if !dates.isEmpty {
            o["dates"] = .object(dates.mapValues { range in
                var r: JSONObject = [:]
                if let from = range.from { r["from"] = .string(from.iso) }
                if let to = range.to { r["to"] = .string(to.iso) }
                return .object(r)
            })
        }
        if sort != "name" { o["sort"] = .string(sort) }
        if descending { o["order"] = "desc" }
        return .object(o)
    }

    /// The FTS5 query for the name: every word, folded, as a quoted prefix.
    static func ftsQuery(_ name: String) -> String? {
        let words = VietnameseText.fold(name).split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard !words.isEmpty else { return nil }
        return words.prefix(10).map { "\"\($0)\"*" }.joined(separator: " AND ")
    }
}

/// A search saved by a user under a name.
public struct SavedSearchDTO: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var criteria: JSONValue
    public var created_at: String
}

extension CalendarDate {
    /// The same day `years` earlier (29 February becomes 28 February in common years).
    func minus(years: Int) -> CalendarDate {
        let y = year - years
        return CalendarDate(year: y, month: month, day: min(day, CalendarDate.daysIn(month: month, year: y))) ?? self
    }
}

extension NodeStore {
    /// Dossiers in the principal's reach matching every given criterion.
    public func search(_ actor: Principal, _ criteria: SearchCriteria) throws -> DossierPage {
        try actor.require(.search)
        return try db.read { c in
            let (conditions, arguments) = try self.searchConditions(c, actor, criteria)
            let direction = criteria.descending ? "DESC" : "ASC"
            let order = "\(SearchCriteria.sorts[criteria.sort] ?? "p.name_sort") \(direction), p.name_sort, p.id"
            return try self.summaryPage(c, conditions, arguments, order: order, page: criteria.page, perPage: criteria.perPage)
        }
    }

    /// The SQL conditions (on `person p`) of the criteria, within the principal's reach.
    func searchConditions(_ c: Connection, _ actor: Principal, _ criteria: SearchCriteria) throws -> ([String], [DatabaseValueConvertible]) {
        var (conditions, arguments) = Self.reachConditions(actor)
        func inList(_ column: String, _ values: [String]) {
            conditions.append("\(column) IN (\(values.isEmpty ? "NULL" : values.map { _ in "?" }.joined(separator: ",")))")
            arguments += values
        }
        if let unitID = criteria.unitID {
            inList("p.unit_id", criteria.includeSubunits ? try self.subtree(c, of: unitID).sorted() : [unitID])
        }
        if let name = criteria.name, let match = SearchCriteria.ftsQuery(name) {
            conditions.append("p.rowid IN (SELECT rowid FROM person_fts WHERE person_fts MATCH ?)")
            arguments.append(match)
        }
        if let id = criteria.personalID {
            // Digits only (checked when parsed): a range on the index instead of LIKE,
            // which SQLite cannot serve from an index on a case-sensitive column.
            conditions.append("p.personal_id >= ? AND p.personal_id < ?")
            arguments += [id, id + ":"]
        }
        for (field, values) in criteria.codes.sorted(by: { $0.key < $1.key }) { inList("p.\(field)", values) }
        let asOf = criteria.asOf ?? .today()
        if let min = criteria.ageMin {
            conditions.append("p.birth_date <= ?")
            arguments.append(asOf.minus(years: min).iso)
        }
        if let max = criteria.ageMax {
            conditions.append("p.birth_date > ?")
            arguments.append(asOf.minus(years: max + 1).iso)
        }
        if let member = criteria.partyMember { conditions.append(member ? "p.party_join_date IS NOT NULL" : "p.party_join_date IS NULL") }
        for (field, range) in criteria.dates.sorted(by: { $0.key < $1.key }) {
            if let from = range.from { conditions.append("p.\(field) >= ?"); arguments.append(from.iso) }
            if let to = range.to { conditions.append("p.\(field) <= ?"); arguments.append(to.iso) }
        }
        return (conditions, arguments)
    }

    // MARK: Saved searches (per user, local to the node)

    public func savedSearches(_ actor: Principal) throws -> [SavedSearchDTO] {
        try actor.require(.search)
        guard let user = actor.userID else { return [] }
        return try db.read { c in
            try c.rows("SELECT id, name, criteria, created_at FROM saved_searches WHERE user_id = ? ORDER BY name", [user]).map {
                SavedSearchDTO(id: $0.get("id") ?? "", name: $0.get("name") ?? "",
                               criteria: (try? JSONValue.parse($0.get("criteria") ?? "{}")) ?? [:], created_at: $0.get("created_at") ?? "")
            }
        }
    }

    /// Saves (or replaces, by name) a search of the user's.
    public func saveSearch(_ actor: Principal, name: String, criteria: SearchCriteria) throws -> SavedSearchDTO {
        try actor.require(.search)
        guard let user = actor.userID else { throw NodeError.forbidden("Chỉ người dùng đăng nhập mới lưu được tìm kiếm.") }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else {
            throw NodeError.validation([FieldError(field: "name", code: "required", message: "Cần đặt tên (tối đa 100 ký tự).")])
        }
        let dto = SavedSearchDTO(id: RecordID.make(), name: trimmed, criteria: criteria.json, created_at: Timestamp.now())
        try db.write { c in
            let count = try c.scalar("SELECT count(*) FROM saved_searches WHERE user_id = ? AND name <> ?", [user, trimmed], as: Int.self) ?? 0
            guard count < 100 else { throw NodeError(.conflict, "too_many", "Mỗi người dùng lưu tối đa 100 tìm kiếm.") }
            try c.execute("DELETE FROM saved_searches WHERE user_id = ? AND name = ?", [user, trimmed])
            try c.execute("INSERT INTO saved_searches(id, user_id, name, criteria, created_at) VALUES (?, ?, ?, ?, ?)",
                          [dto.id, user, dto.name, dto.criteria.jsonString(), dto.created_at])
        }
        return dto
    }

    public func deleteSavedSearch(_ actor: Principal, id: String) throws {
        guard let user = actor.userID else { throw NodeError.forbidden() }
        try db.write { c in
            try c.execute("DELETE FROM saved_searches WHERE id = ? AND user_id = ?", [id, user])
            guard c.changes > 0 else { throw NodeError.notFound("tìm kiếm đã lưu") }
        }
    }
}

// MARK: Export

/// CSV the way Excel opens it correctly: UTF-8 with a byte order mark, CRLF line ends,
/// fields quoted when they hold a separator, a quote or a line break (RFC 4180).
public enum CSVWriter {
    public static func document(header: [String], rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        for row in [header] + rows {
            out.append(contentsOf: row.map(field).joined(separator: ",").utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }

    static func field(_ value: String) -> String {
        // A leading =, +, - or @ would be a formula in a spreadsheet: keep it text.
        var v = value
        if let first = v.first, "=+-@".contains(first), !(first == "-" && v.dropFirst().allSatisfy(\.isNumber)) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension NodeStore {
    /// Every dossier matching the criteria (all pages) as CSV: Vietnamese headers, dates
    /// dd/MM/yyyy, codes by their names. The export is audited.
    public func exportSearchCSV(_ actor: Principal, _ criteria: SearchCriteria) throws -> [UInt8] {
        try actor.require(.reports)
        var all = criteria
        all.perPage = 200
        all.page = 1
        var items: [JSONObject] = []
        while true {
            let page = try search(actor, all)
            items += page.items
            if items.count >= page.total || page.items.isEmpty || items.count >= 100_000 { break }
            all.page += 1
        }
        let fields = Self.summaryColumns.compactMap { DossierSchema.person.field($0) }
        var names: [String: [String: String]] = [:]
        for field in fields {
            if case .code(let catalogue) = field.type {
                names[field.name] = Dictionary(try catalogueEntries(catalogue.rawValue).map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
            }
        }
        func text(_ field: FieldSpec, _ value: JSONValue?) -> String {
            guard let value, value != .null else { return "" }
            switch field.type {
            case .code: return value.stringValue.map { names[field.name]?[$0] ?? $0 } ?? ""
            case .date: return value.stringValue.flatMap(CalendarDate.init(iso:))?.display ?? ""
            default: return value.stringValue ?? value.numberValue.map { Int(exactly: $0).map(String.init) ?? String($0) } ?? ""
            }
        }
        let header = ["STT"] + fields.map(\.label) + ["Đơn vị"]
        let rows = items.enumerated().map { index, item in
            [String(index + 1)] + fields.map { text($0, item[$0.name]) } + [item["unit_name"]?.stringValue ?? ""]
        }
        try db.write { c in
            try self.audit(c, actor, action: "export", entity: "search", entityID: nil, personID: nil, unitID: criteria.unitID,
                           changes: .object(["criteria": criteria.json, "rows": .number(Double(rows.count))]))
        }
        return CSVWriter.document(header: header, rows: rows)
    }
}
