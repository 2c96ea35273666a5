import Foundation
import HosoDomain
import HosoSQLite

/// Filters for the audit log query.
public struct AuditFilter: Sendable {
    public var personID: String?
    public var userID: String?
    public var action: String?
    public var entity: String?
    /// ISO timestamps (inclusive lower bound, exclusive upper bound).
    public var from: String?
    public var to: String?
    /// Entries with id < `before` (for paging backwards).
    public var before: Int64?
    public var limit = 100

    public init(personID: String? = nil, userID: String? = nil, action: String? = nil, entity: String? = nil,
                from: String? = nil, to: String? = nil, before: Int64? = nil, limit: Int = 100) {
        self.personID = personID
        self.userID = userID
        self.action = action
        self.entity = entity
        self.from = from
        self.to = to
        self.before = before
        self.limit = limit
    }
}

extension NodeStore {
    /// Audit entries, newest first (admins only).
    public func auditLog(_ actor: Principal, _ filter: AuditFilter) throws -> [JSONObject] {
        try actor.require(.readAudit)
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        func add(_ sql: String, _ value: DatabaseValueConvertible?) {
            if let value { conditions.append(sql); arguments.append(value) }
        }
        add("person_id = ?", filter.personID)
        add("user_id = ?", filter.userID)
        add("action = ?", filter.action)
        add("entity = ?", filter.entity)
        add("at >= ?", filter.from)
        add("at < ?", filter.to)
        add("id < ?", filter.before)
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = min(max(filter.limit, 1), 1000)
        return try db.read { c in
            try c.rows("SELECT * FROM audit_log \(whereClause) ORDER BY id DESC LIMIT \(limit)", arguments).map { row in
                var entry: JSONObject = ["id": .number(Double(row.get("id", as: Int64.self) ?? 0))]
                for name in ["at", "user_id", "username", "action", "entity", "entity_id", "person_id", "unit_id", "client", "request_id"] {
                    entry[name] = row.get(name, as: String.self).map(JSONValue.string) ?? .null
                }
                entry["changes"] = row.get("changes", as: String.self).flatMap { try? JSONValue.parse($0) } ?? .null
                return entry
            }
        }
    }
}
