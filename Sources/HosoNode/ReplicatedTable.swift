import HosoDomain
import HosoReplication
import HosoSQLite

/// A table whose rows replicate between nodes, and the rules replication applies to it:
/// which columns travel, which replicas need a row (its scope), and which branch of the
/// tree may write it (its ownership). Every replicated table is listed in `all`, so the
/// sync code has no per-table special cases beyond these declarations.
struct ReplicatedTable: Sendable {
    /// Which replicas need a row.
    enum Scope: Sendable {
        /// Every replica (catalogues, units, the node registry).
        case global
        /// The replicas serving the unit in `column`; a NULL unit means the hub only.
        case unit(column: String)
        /// The replicas serving the unit of the dossier whose person id is in `column`.
        case dossier(column: String)
        /// The replicas serving either of two units (a handoff's sending and receiving unit).
        case twoUnits(first: String, second: String)
    }

    /// Which branch of the tree may write a row (checked by a parent against the
    /// version it stores, never against the incoming claim).
    enum Ownership: Sendable {
        /// The person row: the branch serving its owning unit.
        case dossierRoot
        /// A history row: the branch serving its person's owning unit.
        case dossierPart
        /// The organisation tree: a branch may manage units strictly below the units it serves.
        case unitTree
        /// Rows about a unit (quotas): units strictly below the branch's served units.
        case belowServedUnits(column: String)
        /// Accounts: units the branch serves; never province-wide roles.
        case accounts
        /// The hub's alone (catalogues).
        case hubOnly
        /// The node registry: rows of nodes enrolled inside the branch.
        case nodeRegistry
        /// Conflict records: about rows in the branch.
        case conflictRecords
        /// Handoff events: each kind from the side of the tree that may write it (§8).
        case handoffEvents
    }

    /// Table name (also the `entity` on the wire).
    let name: String
    /// The replicated columns besides `id` and the replication columns.
    let columns: [FieldSpec]
    let scope: Scope
    let ownership: Ownership

    /// Columns every replicated row carries (NodeSchema.replicationColumns).
    static let systemColumns = ["vv", "origin", "author", "created_at", "updated_at", "deleted"]

    /// The column named `name`.
    func column(_ name: String) -> FieldSpec? { columnIndex[name] }

    // MARK: The registry

    static let units = ReplicatedTable(name: "units", columns: [
        FieldSpec("code", "Mã đơn vị", .text(maxLength: 30), required: true),
        FieldSpec("name", "Tên đơn vị", .text(maxLength: 300), required: true),
        FieldSpec("kind", "Loại đơn vị", .text(maxLength: 40)),
        FieldSpec("parent_id", "Đơn vị cấp trên", .text(maxLength: 64)),
        FieldSpec("level_tag", "Cấp", .text(maxLength: 50)),
        FieldSpec("valid_from", "Hiệu lực từ", .date),
        FieldSpec("valid_to", "Hiệu lực đến", .date),
        FieldSpec("successor_id", "Đơn vị kế thừa", .text(maxLength: 64)),
    ], scope: .global, ownership: .unitTree)

    static let staffingQuotas = ReplicatedTable(name: "staffing_quotas", columns: [
        FieldSpec("unit_id", "Đơn vị", .text(maxLength: 64), required: true),
        FieldSpec("year", "Năm", .integer(min: 2000, max: 2100), required: true),
        FieldSpec("category", "Loại", .text(maxLength: 40), required: true),
        FieldSpec("quota", "Biên chế", .integer(min: 0, max: 100_000), required: true),
    ], scope: .unit(column: "unit_id"), ownership: .belowServedUnits(column: "unit_id"))

    static let catalogues = ReplicatedTable(name: "catalogues", columns: [
        FieldSpec("name", "Tên danh mục", .text(maxLength: 300), required: true),
        FieldSpec("version", "Phiên bản", .text(maxLength: 50), required: true),
        FieldSpec("source", "Văn bản", .text(maxLength: 500), required: true),
        FieldSpec("note", "Ghi chú", .text(maxLength: 2_000)),
    ], scope: .global, ownership: .hubOnly)

    static let catalogueEntries = ReplicatedTable(name: "catalogue_entries", columns: [
        FieldSpec("catalogue_id", "Danh mục", .text(maxLength: 64), required: true),
        FieldSpec("code", "Mã", .text(maxLength: 40), required: true),
        FieldSpec("name", "Tên", .text(maxLength: 300), required: true),
        FieldSpec("attributes", "Thuộc tính", .text(maxLength: 20_000), required: true),
        FieldSpec("sort_order", "Thứ tự", .integer(min: -1_000_000, max: 1_000_000), required: true),
        FieldSpec("valid_from", "Hiệu lực từ", .date),
        FieldSpec("valid_to", "Hiệu lực đến", .date),
    ], scope: .global, ownership: .hubOnly)

    static let users = ReplicatedTable(name: "users", columns: [
        FieldSpec("username", "Tên đăng nhập", .text(maxLength: 64), required: true),
        FieldSpec("full_name", "Họ và tên", .text(maxLength: 100), required: true),
        FieldSpec("password_hash", "Mật khẩu (băm)", .text(maxLength: 300), required: true),
        FieldSpec("role", "Vai trò", .choice(Role.allCases.map(\.rawValue)), required: true),
        FieldSpec("unit_id", "Đơn vị", .text(maxLength: 64)),
        FieldSpec("person_id", "Hồ sơ", .text(maxLength: 64)),
        FieldSpec("active", "Hoạt động", .boolean, required: true),
        FieldSpec("must_change_password", "Phải đổi mật khẩu", .boolean, required: true),
        FieldSpec("password_changed_at", "Đổi mật khẩu lúc", .text(maxLength: 40)),
    ], scope: .unit(column: "unit_id"), ownership: .accounts)

    static let nodes = ReplicatedTable(name: "nodes", columns: [
        FieldSpec("name", "Tên nút", .text(maxLength: 300), required: true),
        FieldSpec("parent_id", "Nút cấp trên", .text(maxLength: 64)),
        FieldSpec("units", "Đơn vị phục vụ", .text(maxLength: 100_000), required: true),
        FieldSpec("role", "Vai trò", .choice(["hub", "node"]), required: true),
    ], scope: .global, ownership: .nodeRegistry)

    static let person = ReplicatedTable(
        name: DossierSchema.person.name,
        columns: [FieldSpec("unit_id", "Đơn vị quản lý", .text(maxLength: 64), required: true)] + DossierSchema.person.fields
            + [FieldSpec("archived_at", "Lưu trữ từ", .text(maxLength: 40))],
        scope: .unit(column: "unit_id"), ownership: .dossierRoot)

    static let conflicts = ReplicatedTable(name: "conflicts", columns: [
        FieldSpec("entity", "Bảng", .text(maxLength: 64), required: true),
        FieldSpec("row_id", "Dòng", .text(maxLength: 64), required: true),
        FieldSpec("person_id", "Hồ sơ", .text(maxLength: 64)),
        FieldSpec("unit_id", "Đơn vị", .text(maxLength: 64)),
        FieldSpec("winner_origin", "Nút thắng", .text(maxLength: 64), required: true),
        FieldSpec("winner_vv", "Phiên bản thắng", .text(maxLength: 100_000), required: true),
        FieldSpec("winner_data", "Dữ liệu thắng", .text(maxLength: 1_000_000), required: true),
        FieldSpec("loser_origin", "Nút thua", .text(maxLength: 64), required: true),
        FieldSpec("loser_vv", "Phiên bản thua", .text(maxLength: 100_000), required: true),
        FieldSpec("loser_data", "Dữ liệu thua", .text(maxLength: 1_000_000), required: true),
        FieldSpec("detected_by", "Phát hiện tại", .text(maxLength: 64), required: true),
        FieldSpec("detected_at", "Phát hiện lúc", .text(maxLength: 40), required: true),
        FieldSpec("status", "Trạng thái", .choice(["open", "resolved"]), required: true),
        FieldSpec("resolution", "Cách xử lý", .text(maxLength: 2_000)),
        FieldSpec("resolved_by", "Người xử lý", .text(maxLength: 100)),
        FieldSpec("resolved_at", "Xử lý lúc", .text(maxLength: 40)),
    ], scope: .unit(column: "unit_id"), ownership: .conflictRecords)

    static let handoffEvents = ReplicatedTable(name: "handoff_events", columns: [
        FieldSpec("handoff_id", "Thủ tục", .text(maxLength: 64), required: true),
        FieldSpec("kind", "Bước", .choice(HandoffEvent.Kind.allCases.map(\.rawValue)), required: true),
        FieldSpec("person_id", "Hồ sơ", .text(maxLength: 64), required: true),
        FieldSpec("from_unit", "Đơn vị chuyển đi", .text(maxLength: 64), required: true),
        FieldSpec("to_unit", "Đơn vị nhận", .text(maxLength: 64), required: true),
        FieldSpec("at", "Thời điểm", .text(maxLength: 40), required: true),
        FieldSpec("node", "Nút", .text(maxLength: 64), required: true),
        FieldSpec("user_id", "Người thực hiện", .text(maxLength: 64)),
        FieldSpec("username", "Tên đăng nhập", .text(maxLength: 64)),
        FieldSpec("data", "Nội dung", .text(maxLength: 100_000), required: true),
    ], scope: .twoUnits(first: "from_unit", second: "to_unit"), ownership: .handoffEvents)

    /// The history tables of a dossier.
    static let dossierParts: [ReplicatedTable] = DossierSchema.subRecordKinds.map { kind in
        ReplicatedTable(name: kind.name, columns: [FieldSpec("person_id", "Hồ sơ", .text(maxLength: 64), required: true)] + kind.fields,
                        scope: .dossier(column: "person_id"), ownership: .dossierPart)
    }

    /// Every replicated table, in the order a fresh replica needs them (referenced
    /// tables first; the log order decides the actual order).
    static let all: [ReplicatedTable] = [nodes, catalogues, catalogueEntries, units, staffingQuotas, users, person] + dossierParts
        + [conflicts, handoffEvents]

    /// What travels in change records, one line per table (`table: column type [required], …`
    /// in registry order). It is part of the sync protocol: a node that does not know a
    /// column refuses rows that carry it, and a version without it would erase it, so
    /// a change here comes with a new `syncProtocolVersion` (Protocol.md §7.11);
    /// `UpgradeTests` pins its digest per version.
    static var contract: String {
        all.map { table in
            table.name + ": " + table.columns.map { "\($0.name) \($0.type)\($0.required ? " required" : "")" }.joined(separator: ", ")
        }.joined(separator: "\n")
    }

    /// The tables by name.
    static let byName: [String: ReplicatedTable] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    // MARK: Values

    /// The row's replicated columns as JSON (the `data` of a change record). NULL
    /// columns are left out: on the wire an absent column means NULL, which keeps a
    /// person row (some 80 columns, most of them empty) small.
    func data(of row: Row) -> JSONObject {
        var data: JSONObject = [:]
        data.reserveCapacity(columns.count)
        for (index, name) in row.columns.enumerated() {
            let value = row.values[index]
            guard !value.isNull, let spec = columnIndex[name] else { continue }
            data[name] = RecordCoding.jsonValue(value, type: spec.type)
        }
        return data
    }

    /// How many columns are required.
    var requiredCount: Int { columns.reduce(0) { $0 + ($1.required ? 1 : 0) } }

    /// Columns by name.
    var columnIndex: [String: FieldSpec] { Self.columnIndexes[name] ?? [:] }
    static let columnIndexes: [String: [String: FieldSpec]] = Dictionary(uniqueKeysWithValues: all.map { table in
        (table.name, Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0) }))
    })

    /// Checks a received `data` object without changing it: every member is a known
    /// column of the right type and size, required columns are present. Codes are
    /// checked with `isKnownCode` (any version of the catalogue: an older replica may
    /// send a code retired since). Returns the problems, empty when valid.
    func problems(in data: JSONObject, isKnownCode: (CatalogueID, String) -> Bool) -> [String] {
        var problems: [String] = []
        let index = columnIndex
        var present = 0
        for (key, value) in data {
            guard let spec = index[key] else { problems.append("\(key): unknown column"); continue }
            if value == .null { continue }
            if spec.required { present += 1 }
            if let problem = Self.problem(value, spec.type, isKnownCode: isKnownCode) { problems.append("\(key): \(problem)") }
        }
        if present < requiredCount {
            for spec in columns where spec.required && (data[spec.name] ?? .null) == .null { problems.append("\(spec.name): required") }
        }
        return problems
    }

    static func problem(_ value: JSONValue, _ type: FieldType, isKnownCode: (CatalogueID, String) -> Bool) -> String? {
        switch type {
        case .text(let maxLength):
            guard case .string(let s) = value else { return "must be a string" }
            // Characters never outnumber UTF-8 bytes: count characters only when needed.
            if s.utf8.count > maxLength && s.count > maxLength { return "longer than \(maxLength)" }
            if s.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }) { return "control character" }
        case .date:
            guard case .string(let s) = value, CalendarDate(iso: s) != nil else { return "must be a yyyy-MM-dd date" }
        case .month:
            guard case .string(let s) = value, s.count == 7, CalendarDate(iso: s + "-01") != nil else { return "must be a yyyy-MM month" }
        case .year:
            guard case .number(let n) = value, n.rounded() == n, (1900...2100).contains(n) else { return "must be a year" }
        case .integer(let min, let max):
            guard case .number(let n) = value, n.rounded() == n, n >= Double(min), n <= Double(max) else { return "must be a whole number in \(min)...\(max)" }
        case .decimal(let min, let max):
            guard case .number(let n) = value, n.isFinite, n >= min, n <= max else { return "must be a number in \(min)...\(max)" }
        case .boolean:
            guard case .bool = value else { return "must be true or false" }
        case .code(let catalogue):
            guard case .string(let s) = value, !s.isEmpty, s.count <= 40 else { return "must be a code" }
            if !isKnownCode(catalogue, s) { return "unknown code in \(catalogue.rawValue)" }
        case .personalID:
            guard case .string(let s) = value, PersonalID.isWellFormed(s) else { return "must be a 12-digit personal id" }
        case .choice(let options):
            guard case .string(let s) = value, options.contains(s) else { return "must be one of \(options.joined(separator: ", "))" }
        }
        return nil
    }
}

/// The replicated columns as the sync protocol carries them (`ReplicatedTable.contract`),
/// for pinning in tests and for the upgrade notes.
public enum ReplicationContract {
    /// One line per table: `table: column type [required], …`.
    public static var text: String { ReplicatedTable.contract }
    /// SHA-256 of `text`, hex.
    public static var digest: String { SHA256.hex(Array(text.utf8)) }
}
