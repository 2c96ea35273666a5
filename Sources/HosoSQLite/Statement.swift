import CSQLite

/// `SQLITE_TRANSIENT`: tells SQLite to copy bound text and blobs before returning.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Owns its `sqlite3_stmt` and finalizes it on deinit.
///
/// Not `Sendable`: a statement belongs to its connection, which is used from one
/// serial queue only (see `DatabaseQueue`).
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text the statement was prepared from.
    public let sql: String
    unowned let connection: Connection
    /// Column names of the result, in order.
    public let columnNames: [String]

    init(connection: Connection, sql: String, persistent: Bool) throws {
        var stmt: OpaquePointer?
        // prepare_v3 with SQLITE_PREPARE_PERSISTENT hints that cached statements live long.
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(connection: connection.handle, code: rc, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.connection = connection
        let count = sqlite3_column_count(stmt)
        self.columnNames = (0..<count).map { String(cString: sqlite3_column_name(stmt, $0)) }
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds positional arguments (`?`).
    public func bind(_ arguments: [DatabaseValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "statement expects \(expected) arguments, got \(arguments.count)", sql: sql)
        }
        for (offset, value) in arguments.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Resets the statement and binds named arguments (`:name`).
    public func bind(named arguments: [String: DatabaseValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let count = sqlite3_bind_parameter_count(handle)
        for index in 1...max(count, 1) where index <= count {
            guard let cName = sqlite3_bind_parameter_name(handle, index) else {
                throw SQLiteError(code: SQLITE_RANGE, message: "positional parameter in a named statement", sql: sql)
            }
            let name = String(String(cString: cName).dropFirst())
            guard let value = arguments[name] else {
                throw SQLiteError(code: SQLITE_RANGE, message: "missing argument :\(name)", sql: sql)
            }
            try bind(value, at: index)
        }
    }

    private func bind(_ value: DatabaseValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let d): rc = sqlite3_bind_double(handle, index, d)
        case .text(let s):
            // Bind the string's own UTF-8 storage (no C-string copy); SQLITE_TRANSIENT
            // makes SQLite copy it. An empty buffer may have no address: bind "".
            var text = s
            rc = text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT) }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(bytes.count), SQLITE_TRANSIENT)
                }
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        }
        guard rc == SQLITE_OK else { throw SQLiteError(connection: connection.handle, code: rc, sql: sql) }
    }

    /// Steps once. Returns true while a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(connection: connection.handle, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// The current row's value at a column.
    func value(at column: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let base = sqlite3_column_text(handle, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let base = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob([UInt8](UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }

    /// Runs the statement to completion, ignoring rows.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Runs the statement, calling `body` for each row without copying it into an array.
    public func forEach(_ body: (Row) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        let count = Int32(columnNames.count)
        while try step() {
            try body(Row(columns: columnNames, values: (0..<count).map(value(at:))))
        }
    }

    /// Runs the statement and collects every row.
    public func rows() throws -> [Row] {
        var result: [Row] = []
        try forEach { result.append($0) }
        return result
    }
}
