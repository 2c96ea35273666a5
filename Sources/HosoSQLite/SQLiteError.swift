import CSQLite

/// An error reported by SQLite.
///
/// It carries the result code, SQLite's message and the SQL text, but never the
/// values bound to the statement: those are personal data and must not reach logs.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`sqlite3_extended_errcode`).
    public let extendedCode: Int32
    /// SQLite's own message (`sqlite3_errmsg`), which never contains bound values.
    public let message: String
    /// The SQL statement that failed, if any.
    public let sql: String?

    /// The primary result code (the low byte of the extended code).
    public var code: Int32 { extendedCode & 0xFF }

    /// Creates an error.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.extendedCode = code
        self.message = message
        self.sql = sql
    }

    /// True for `SQLITE_CONSTRAINT` and its extended codes.
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    /// True for `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`.
    public var isUniqueViolation: Bool {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and _PRIMARYKEY (1555): function-like macros Swift cannot import.
        extendedCode == 2067 || extendedCode == 1555
    }
    /// True when the disk or the database file is full (`SQLITE_FULL`).
    public var isDiskFull: Bool { code == SQLITE_FULL }
    /// True when another connection holds a conflicting lock.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " — while executing `\(sql)`" }
        return text
    }
}

extension SQLiteError {
    /// Makes an error from the connection's current error state.
    init(connection: OpaquePointer?, code: Int32, sql: String?) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        self.init(code: extended, message: message, sql: sql)
    }
}
