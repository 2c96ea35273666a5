/// One result row, copied out of the statement so it can outlive the step.
public struct Row: Sendable {
    /// Column names, in result order.
    public let columns: [String]
    /// Column values, in result order.
    public let values: [DatabaseValue]

    /// Creates a row.
    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a named column, or `.null` if there is no such column.
    public subscript(_ column: String) -> DatabaseValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The raw value at a column index.
    public subscript(_ index: Int) -> DatabaseValue { values[index] }

    /// Decodes a named column, or nil for NULL / a missing column / the wrong type.
    public func get<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) -> T? {
        T.fromDatabaseValue(self[column])
    }

    /// Decodes a named column that must be present and of the right type.
    public func require<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = T.fromDatabaseValue(self[column]) else {
            throw SQLiteError(code: 20 /* SQLITE_MISMATCH */, message: "column \(column) is missing or not \(T.self)")
        }
        return value
    }

    /// The row as a name → value dictionary.
    public var dictionary: [String: DatabaseValue] {
        Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first })
    }
}
