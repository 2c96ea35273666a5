import Dispatch
import HosoDomain
import HosoNode
import HosoSQLite

/// The write baseline: the same dossiers straight into tables of the same shape, with
/// no validation, audit, change log, JSON or HTTP — one transaction per dossier.
final class RawInsertBaseline {
    let connection: Connection

    init(path: String) throws {
        connection = try Connection(path: path)
        try NodeSchema.migrator.migrate(connection)
        try connection.execute("PRAGMA foreign_keys = OFF")
        try connection.execute("INSERT INTO units(id, code, name, origin, created_at, updated_at) VALUES ('u', 'U', 'U', 'n', 'now', 'now')")
    }

    /// The documents (JSON bytes of `POST /api/dossiers` bodies) as objects, for `insert`.
    static func parse(_ documents: [[UInt8]]) -> [JSONObject] {
        documents.map { (try? JSONValue.parse(String(decoding: $0, as: UTF8.self)))?.objectValue ?? [:] }
    }

    /// Inserts the parsed dossiers, one transaction each; returns dossiers per second and
    /// each transaction's time (ms).
    func insert(_ parsed: [JSONObject]) throws -> (rate: Double, latencies: [Double]) {
        var latencies: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        for doc in parsed {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try connection.transaction {
                let personID = RecordID.make()
                let personFields = DossierSchema.person.fields.filter { doc[$0.name] != nil }
                let columns = ["id", "unit_id", "name_fold", "name_sort", "origin", "created_at", "updated_at"] + personFields.map(\.name)
                var values: [DatabaseValueConvertible] = [personID, "u", "", "", "n", "now", "now"]
                for field in personFields { values.append(Self.plain(doc[field.name]!)) }
                try connection.execute("INSERT INTO person(\(columns.joined(separator: ","))) VALUES (\(columns.map { _ in "?" }.joined(separator: ",")))", values)
                for kind in DossierSchema.subRecordKinds {
                    for row in doc[kind.jsonKey]?.arrayValue ?? [] {
                        let fields = kind.fields.filter { row[$0.name] != .null }
                        let cols = ["id", "person_id", "origin", "created_at", "updated_at"] + fields.map(\.name)
                        var vals: [DatabaseValueConvertible] = [RecordID.make(), personID, "n", "now", "now"]
                        for field in fields { vals.append(Self.plain(row[field.name])) }
                        try connection.execute("INSERT INTO \(kind.name)(\(cols.joined(separator: ","))) VALUES (\(cols.map { _ in "?" }.joined(separator: ",")))", vals)
                    }
                }
            }
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return (Double(parsed.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9), latencies)
    }

    /// A JSON scalar as an SQLite value (objects and arrays: NULL).
    static func plain(_ value: JSONValue) -> DatabaseValueConvertible {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b
        default: DatabaseValue.null
        }
    }
}
