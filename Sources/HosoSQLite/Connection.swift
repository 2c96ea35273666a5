import CSQLite
import Foundation

/// One SQLite connection. Owns its `sqlite3*` and a cache of prepared statements.
///
/// Not `Sendable` and not thread-safe: SQLite connections must not be shared
/// across threads without serialisation, so every connection is used from one
/// serial queue (`DatabaseQueue`), or by a single test.
public final class Connection {
    let handle: OpaquePointer
    /// The raw `sqlite3*`, for SQLite APIs this wrapper does not cover (the benchmark's
    /// session-extension baseline). Use it only on the connection's own queue.
    public var sqliteHandle: OpaquePointer { handle }
    /// The database file path (":memory:" for an in-memory database).
    public let path: String
    private var cache: [String: Statement] = [:]
    /// Depth of nested `transaction` / `savepoint` calls.
    private var transactionDepth = 0
    /// Work to run once the current transaction has committed, with the savepoint depth
    /// that registered it (a rolled-back savepoint drops its own).
    private var commitCallbacks: [(depth: Int, key: String?, body: () -> Void)] = []

    /// Opens (creating if needed) the database at `path` and applies hoso's pragmas.
    public init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        // NOMUTEX ("multi-thread" mode, https://sqlite.org/threadsafe.html): a connection
        // is only ever used by one thread at a time (one serial queue per connection), so
        // SQLite's per-call mutex would only cost time (2-3 % of a sync apply). URI lets
        // tests use file: names.
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(connection: db, code: rc, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        // Wait for a competing writer (the backup command, a second process) instead of failing at once.
        sqlite3_busy_timeout(db, 5_000)
        try configure(readOnly: readOnly)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    private func configure(readOnly: Bool) throws {
        if !readOnly && path != ":memory:" {
            // WAL: readers never block the writer, and a crash leaves a consistent database
            // (https://sqlite.org/wal.html). Required for the replica files.
            let mode = try scalar("PRAGMA journal_mode = WAL", as: String.self)
            guard mode?.lowercased() == "wal" else {
                throw SQLiteError(code: SQLITE_ERROR, message: "could not enable WAL (got \(mode ?? "nil"))")
            }
        }
        // NORMAL in WAL mode: a power loss may drop the last commits but never corrupts
        // (https://sqlite.org/pragma.html#pragma_synchronous); sync checkpoints make lost
        // local commits re-sendable, and the fsync per commit would cap us at ~4k writes/s.
        try execute("PRAGMA synchronous = NORMAL")
        // Referential integrity between a dossier and its sub-records is enforced by SQLite itself.
        try execute("PRAGMA foreign_keys = ON")
        // Confidential data: zero deleted content instead of leaving it in free pages.
        try execute("PRAGMA secure_delete = ON")
        try execute("PRAGMA temp_store = MEMORY")
        // 16 MiB page cache (negative = KiB); the default 2 MiB thrashes on 1M-row tables.
        try execute("PRAGMA cache_size = -16384")
    }

    // MARK: Statements

    /// A cached prepared statement for `sql` (prepared on first use).
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = cache[sql] { return statement }
        let statement = try Statement(connection: self, sql: sql, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// A fresh prepared statement that is not cached.
    public func makeStatement(_ sql: String) throws -> Statement {
        try Statement(connection: self, sql: sql, persistent: false)
    }

    /// Executes one or more SQL statements without arguments (schema, pragmas).
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(error)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Executes one statement with positional arguments.
    public func execute(_ sql: String, _ arguments: [DatabaseValueConvertible]) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments.map(\.databaseValue))
        try statement.run()
    }

    /// Executes one statement with values already in database form (no conversion).
    public func execute(_ sql: String, values: [DatabaseValue]) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// Executes one statement with named arguments (`:name`).
    public func execute(_ sql: String, named arguments: [String: DatabaseValueConvertible]) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(named: arguments.mapValues(\.databaseValue))
        try statement.run()
    }

    /// Fetches every row of a query.
    public func rows(_ sql: String, _ arguments: [DatabaseValueConvertible] = []) throws -> [Row] {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments.map(\.databaseValue))
        return try statement.rows()
    }

    /// Fetches the first row of a query.
    public func row(_ sql: String, _ arguments: [DatabaseValueConvertible] = []) throws -> Row? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments.map(\.databaseValue))
        var first: Row?
        defer { sqlite3_reset(statement.handle) }
        if try statement.step() {
            first = Row(columns: statement.columnNames,
                        values: (0..<Int32(statement.columnNames.count)).map(statement.value(at:)))
        }
        return first
    }

    /// Fetches the first column of the first row.
    public func scalar<T: DatabaseValueConvertible>(_ sql: String, _ arguments: [DatabaseValueConvertible] = [], as type: T.Type = T.self) throws -> T? {
        guard let row = try row(sql, arguments), !row.values.isEmpty else { return nil }
        return T.fromDatabaseValue(row.values[0])
    }

    /// Rows modified by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
    /// The rowid of the last INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// True while a transaction is open.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` in a write transaction started with `BEGIN IMMEDIATE`, committed when
    /// `body` returns and rolled back if it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a transaction never fails half-way with
    /// SQLITE_BUSY when it upgrades from read to write (https://sqlite.org/lang_transaction.html).
    /// Nested calls become savepoints, so an inner failure undoes only the inner work.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 { return try savepoint(body) }
        try execute("BEGIN IMMEDIATE")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute("COMMIT")
            let callbacks = commitCallbacks
            commitCallbacks = []
            for callback in callbacks { callback.body() }
            return result
        } catch {
            commitCallbacks = []
            // ROLLBACK can itself fail if SQLite already rolled back (e.g. SQLITE_FULL); ignore that.
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` after the current write transaction commits (never if it rolls back),
    /// outside the transaction. Outside a transaction it runs at once. Use it to tell
    /// other parts of the program about committed data (a sync trigger), never to write.
    public func afterCommit(_ body: @escaping () -> Void) {
        if transactionDepth == 0 { body(); return }
        commitCallbacks.append((transactionDepth, nil, body))
    }

    /// Like `afterCommit`, but registers `body` at most once per transaction for `key`
    /// (a signal that many writes of one transaction would otherwise repeat).
    public func afterCommit(once key: String, _ body: @escaping () -> Void) {
        if transactionDepth == 0 { body(); return }
        if commitCallbacks.contains(where: { $0.key == key }) { return }
        commitCallbacks.append((transactionDepth, key, body))
    }

    /// Runs `body` in a read transaction (`BEGIN DEFERRED`): a consistent snapshot in WAL mode.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 { return try body() }
        try execute("BEGIN DEFERRED")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "sp\(transactionDepth)"
        try execute("SAVEPOINT \(name)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            commitCallbacks.removeAll { $0.depth > transactionDepth - 1 }
            throw error
        }
    }

    // MARK: Checks

    /// Runs `PRAGMA integrity_check` and returns its lines ("ok" when healthy).
    public func integrityCheck() throws -> [String] {
        try rows("PRAGMA integrity_check").compactMap { $0.get("integrity_check", as: String.self) }
    }
}
