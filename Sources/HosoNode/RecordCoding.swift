import HosoDomain
import HosoSQLite

/// Converts record fields between their JSON form (API) and SQLite column values,
/// driven by each field's `FieldType`.
enum RecordCoding {
    static func databaseValue(_ value: JSONValue, type: FieldType) -> DatabaseValue {
        switch (value, type) {
        case (.null, _): .null
        case (.bool(let b), _): .integer(b ? 1 : 0)
        case (.number(let n), .decimal): .real(n)
        case (.number(let n), _): Int64(exactly: n).map(DatabaseValue.integer) ?? .real(n)
        case (.string(let s), _): .text(s)
        default: .text(value.jsonString())
        }
    }

    static func jsonValue(_ value: DatabaseValue, type: FieldType) -> JSONValue {
        switch (value, type) {
        case (.null, _): .null
        case (.integer(let i), .boolean): .bool(i != 0)
        case (.integer(let i), _): .number(Double(i))
        case (.real(let d), _): .number(d)
        case (.text(let s), _): .string(s)
        case (.blob, _): .null
        }
    }

    /// The JSON object of a stored row: declared fields plus system fields.
    static func object(_ row: Row, kind: RecordKind) -> JSONObject {
        var object: JSONObject = [:]
        for field in kind.fields {
            object[field.name] = jsonValue(row[field.name], type: field.type)
        }
        object["id"] = .string(row.get("id") ?? "")
        if kind.isSubRecord {
            object["person_id"] = .string(row.get("person_id") ?? "")
        } else {
            object["unit_id"] = .string(row.get("unit_id") ?? "")
        }
        object["version"] = (try? JSONValue.parse(row.get("vv") ?? "{}")) ?? .object([:])
        object["created_at"] = .string(row.get("created_at") ?? "")
        object["updated_at"] = .string(row.get("updated_at") ?? "")
        return object
    }

    /// Only the declared fields of a stored row (what validation and the audit diff see).
    static func fields(_ row: Row, kind: RecordKind) -> JSONObject {
        var object: JSONObject = [:]
        for field in kind.fields { object[field.name] = jsonValue(row[field.name], type: field.type) }
        return object
    }
}

extension RecordKind {
    /// The key of this history table inside a whole-dossier JSON document.
    public var jsonKey: String { (pathSegment ?? name).replacingOccurrences(of: "-", with: "_") }
}
