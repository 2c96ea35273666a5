import Foundation
import HosoDomain
import HosoSQLite

/// The codes of every catalogue that may be used in new values, kept in memory so that
/// validation does not query per field.
///
/// `@unchecked Sendable`: `lock` guards `codes`.
final class CatalogueCodeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var codes: [String: Set<String>] = [:]
    private var everCodes: [String: Set<String>] = [:]

    func replace(current: [String: Set<String>], all: [String: Set<String>]) {
        lock.lock(); defer { lock.unlock() }
        codes = current
        everCodes = all
    }

    /// Whether `code` may be used in new values today.
    func contains(_ catalogue: CatalogueID, _ code: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return codes[catalogue.rawValue]?.contains(code) ?? false
    }

    /// Whether `code` exists in the catalogue at all, retired or not (replicated rows
    /// written before a code was retired stay valid).
    func containsAnyVersion(_ catalogue: CatalogueID, _ code: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return everCodes[catalogue.rawValue]?.contains(code) ?? false
    }
}

/// One catalogue entry as the API shows it.
public struct CatalogueEntryDTO: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var attributes: [String: String]
    public var sort_order: Int
    public var valid_from: String?
    public var valid_to: String?
}

extension NodeStore {
    /// Writes the seed catalogues (first start only).
    func seedCatalogues(_ c: Connection, onlyMissing: Bool = false) throws {
        var definitions = SeedCatalogues.all
        if onlyMissing {
            let present = Set(try c.rows("SELECT id FROM catalogues").compactMap { $0.get("id", as: String.self) })
            definitions.removeAll { present.contains($0.id) }
            if definitions.isEmpty { return }
        }
        let now = Timestamp.now()
        let counter = try tick(c)
        let vv = nextVector(nil, counter: counter)
        for definition in definitions {
            try c.execute("""
                INSERT INTO catalogues(id, name, version, source, note, vv, origin, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [definition.id, definition.name, definition.version, definition.source, definition.note, vv, nodeID, now, now])
            try logChange(c, entity: "catalogues", rowID: definition.id, counter: counter, personID: nil, scope: nil)
            for entry in definition.entries {
                let attributes = JSONValue.object(entry.attributes.mapValues { .string($0) }).jsonString()
                let entryID = RecordID.make()
                try c.execute("""
                    INSERT INTO catalogue_entries(id, catalogue_id, code, name, attributes, sort_order, valid_from, valid_to, vv, origin, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [entryID, definition.id, entry.code, entry.name, attributes, entry.sortOrder,
                          entry.validFrom, entry.validTo, vv, nodeID, now, now])
                try logChange(c, entity: "catalogue_entries", rowID: entryID, counter: counter, personID: nil, scope: nil)
            }
        }
    }

    /// Reloads the in-memory set of usable codes (after seeding or a catalogue change).
    public func reloadCatalogueCodes(today: CalendarDate = .today()) throws {
        let rows = try db.read { c in
            try c.rows("SELECT catalogue_id, code, valid_to FROM catalogue_entries WHERE deleted = 0")
        }
        var current: [String: Set<String>] = [:], all: [String: Set<String>] = [:]
        for row in rows {
            if let id = row.get("catalogue_id", as: String.self), let code = row.get("code", as: String.self) {
                all[id, default: []].insert(code)
                if (row.get("valid_to", as: String.self).map { $0 >= today.iso } ?? true) { current[id, default: []].insert(code) }
            }
        }
        codes.replace(current: current, all: all)
    }

    /// A validator that checks codes against this replica's catalogues.
    public func validator(today: CalendarDate = .today()) -> RecordValidator {
        let codes = self.codes
        return RecordValidator(today: today) { codes.contains($0, $1) }
    }

    /// Every catalogue with its entry count.
    public func catalogues() throws -> [JSONObject] {
        try db.read { c in
            try c.rows("""
                SELECT c.id, c.name, c.version, c.source, c.note, count(e.id) AS entries
                FROM catalogues c LEFT JOIN catalogue_entries e ON e.catalogue_id = c.id AND e.deleted = 0
                WHERE c.deleted = 0 GROUP BY c.id ORDER BY c.id
                """).map { row in
                [
                    "id": .string(row.get("id") ?? ""), "name": .string(row.get("name") ?? ""),
                    "version": .string(row.get("version") ?? ""), "source": .string(row.get("source") ?? ""),
                    "note": row.get("note", as: String.self).map(JSONValue.string) ?? .null,
                    "entries": .number(Double(row.get("entries", as: Int.self) ?? 0)),
                ]
            }
        }
    }

    /// The entries of one catalogue, in display order.
    public func catalogueEntries(_ catalogueID: String) throws -> [CatalogueEntryDTO] {
        try db.read { c in
            guard try c.scalar("SELECT count(*) FROM catalogues WHERE id = ? AND deleted = 0", [catalogueID], as: Int.self) == 1 else {
                throw NodeError.notFound("danh mục '\(catalogueID)'")
            }
            return try c.rows("""
                SELECT code, name, attributes, sort_order, valid_from, valid_to FROM catalogue_entries
                WHERE catalogue_id = ? AND deleted = 0 ORDER BY sort_order, code
                """, [catalogueID]).map(Self.entry(from:))
        }
    }

    static func entry(from row: Row) -> CatalogueEntryDTO {
        var attributes: [String: String] = [:]
        if case .object(let o)? = try? JSONValue.parse(row.get("attributes") ?? "{}") {
            for (k, v) in o { attributes[k] = v.stringValue ?? v.jsonString() }
        }
        return CatalogueEntryDTO(code: row.get("code") ?? "", name: row.get("name") ?? "", attributes: attributes,
                                 sort_order: row.get("sort_order") ?? 0, valid_from: row.get("valid_from"), valid_to: row.get("valid_to"))
    }

    /// Adds or changes a catalogue entry (admin). A code is never deleted, only given a
    /// `valid_to`, because old dossiers keep referring to it.
    public func upsertCatalogueEntry(_ actor: Principal, catalogueID: String, entry: CatalogueEntryDTO) throws -> CatalogueEntryDTO {
        try actor.require(.manageCatalogues)
        var errors: [FieldError] = []
        let code = entry.code.trimmingCharacters(in: .whitespaces)
        let name = entry.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if code.isEmpty || code.count > 40 { errors.append(FieldError(field: "code", code: "invalid_format", message: "Mã phải có 1–40 ký tự.")) }
        if name.isEmpty || name.count > 300 { errors.append(FieldError(field: "name", code: "invalid_format", message: "Tên phải có 1–300 ký tự.")) }
        for (field, value) in [("valid_from", entry.valid_from), ("valid_to", entry.valid_to)] {
            if let value, CalendarDate(iso: value) == nil {
                errors.append(FieldError(field: field, code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd)."))
            }
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        let result: CatalogueEntryDTO = try db.write { c in
            guard try c.scalar("SELECT count(*) FROM catalogues WHERE id = ? AND deleted = 0", [catalogueID], as: Int.self) == 1 else {
                throw NodeError.notFound("danh mục '\(catalogueID)'")
            }
            let counter = try self.tick(c)
            let now = Timestamp.now()
            let attributes = JSONValue.object(entry.attributes.mapValues { .string($0) }).jsonString()
            let existing = try c.row("SELECT id, name, valid_to, vv FROM catalogue_entries WHERE catalogue_id = ? AND code = ?", [catalogueID, code])
            let rowID: String
            if let existing, let id = existing.get("id", as: String.self) {
                rowID = id
                try c.execute("""
                    UPDATE catalogue_entries SET name = ?, attributes = ?, sort_order = ?, valid_from = ?, valid_to = ?,
                    vv = ?, origin = ?, author = ?, updated_at = ?, deleted = 0 WHERE id = ?
                    """, [name, attributes, entry.sort_order, entry.valid_from, entry.valid_to,
                          self.nextVector(existing.get("vv"), counter: counter), self.nodeID, actor.userID, now, id])
            } else {
                rowID = RecordID.make()
                try c.execute("""
                    INSERT INTO catalogue_entries(id, catalogue_id, code, name, attributes, sort_order, valid_from, valid_to, vv, origin, author, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [rowID, catalogueID, code, name, attributes, entry.sort_order, entry.valid_from, entry.valid_to,
                          self.nextVector(nil, counter: counter), self.nodeID, actor.userID, now, now])
            }
            try self.logChange(c, entity: "catalogue_entries", rowID: rowID, counter: counter, personID: nil, scope: nil)
            try self.audit(c, actor, action: existing == nil ? "create" : "update", entity: "catalogue_entry", entityID: rowID,
                           changes: .object(["catalogue": .string(catalogueID), "code": .string(code), "name": .string(name)]))
            return CatalogueEntryDTO(code: code, name: name, attributes: entry.attributes, sort_order: entry.sort_order,
                                     valid_from: entry.valid_from, valid_to: entry.valid_to)
        }
        try reloadCatalogueCodes()
        return result
    }
}
