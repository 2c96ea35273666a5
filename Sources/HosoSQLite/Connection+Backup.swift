import CSQLite
import Foundation

extension Connection {
    /// Copies this (live) database into a new file at `destination` with the online
    /// backup API (https://sqlite.org/backup.html): writers may keep writing meanwhile.
    ///
    /// The copy is written to a temporary file first and renamed into place only once it
    /// is complete and passes `integrity_check`, so a crash never leaves a truncated backup.
    public func backup(to destination: String, pagesPerStep: Int32 = 256) throws {
        let temporary = destination + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        var target: OpaquePointer?
        var rc = sqlite3_open_v2(temporary, &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard rc == SQLITE_OK, let target else {
            let error = SQLiteError(connection: target, code: rc, sql: nil)
            sqlite3_close_v2(target)
            throw error
        }
        defer { sqlite3_close_v2(target) }
        guard let backup = sqlite3_backup_init(target, "main", handle, "main") else {
            throw SQLiteError(connection: target, code: sqlite3_errcode(target), sql: nil)
        }
        repeat {
            rc = sqlite3_backup_step(backup, pagesPerStep)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { sqlite3_sleep(10) }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errstr(rc)), sql: nil)
        }
        // The backup is a self-contained rollback-journal file: no -wal to carry around.
        sqlite3_exec(target, "PRAGMA journal_mode = DELETE", nil, nil, nil)
        try? FileManager.default.removeItem(atPath: destination)
        try FileManager.default.moveItem(atPath: temporary, toPath: destination)
    }

    /// Checks that the file at `path` is an SQLite database that passes `integrity_check`
    /// and returns the named migrations it records. Throws otherwise.
    public static func verifyDatabaseFile(at path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "no such file: \(path)")
        }
        let connection = try Connection(path: "file:\(path)?mode=ro", readOnly: true)
        let result: [String]
        do {
            result = try connection.integrityCheck()
        } catch let error as SQLiteError {
            throw SQLiteError(code: error.extendedCode, message: "not a valid hoso database: \(error.message)")
        }
        guard result == ["ok"] else {
            throw SQLiteError(code: SQLITE_CORRUPT, message: "integrity check failed: \(result.prefix(3).joined(separator: "; "))")
        }
        let hasTable = try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'", as: Int.self) ?? 0
        guard hasTable > 0 else { return [] }
        return try connection.rows("SELECT name FROM schema_migrations ORDER BY rowid").compactMap { $0.get("name", as: String.self) }
    }
}
