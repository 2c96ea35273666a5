/// Ordered, named schema migrations recorded in the `schema_migrations` table.
///
/// Each migration runs once, in registration order, inside its own transaction together
/// with the row that records it, so a crash never leaves a half-applied migration.
public struct Migrator: Sendable {
    /// One named migration.
    public struct Migration: Sendable {
        /// Unique, stable name ("001_initial"); never rename an applied migration.
        public let name: String
        /// The work; runs inside a transaction.
        public let apply: @Sendable (Connection) throws -> Void
    }

    /// The registered migrations, in order.
    public private(set) var migrations: [Migration] = []

    /// Creates an empty migrator.
    public init() {}

    /// Registers a migration that runs SQL statements.
    public mutating func register(_ name: String, sql: String) {
        register(name) { try $0.execute(sql) }
    }

    /// Registers a migration that runs Swift code.
    public mutating func register(_ name: String, _ apply: @escaping @Sendable (Connection) throws -> Void) {
        precondition(!migrations.contains { $0.name == name }, "duplicate migration \(name)")
        migrations.append(Migration(name: name, apply: apply))
    }

    /// Names of the migrations already applied to `connection`'s database, in order.
    public func appliedMigrations(_ connection: Connection) throws -> [String] {
        try createTable(connection)
        return try connection.rows("SELECT name FROM schema_migrations ORDER BY rowid")
            .compactMap { $0.get("name", as: String.self) }
    }

    /// Applies every migration not yet recorded. Returns the names it applied.
    ///
    /// Throws if the database has migrations this build does not know: it was written
    /// by a newer hoso, and running against it could corrupt it.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [String] {
        let applied = try appliedMigrations(connection)
        let known = Set(migrations.map(\.name))
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw SQLiteError(code: 1, message: "database has migration '\(unknown)' unknown to this version of hoso; upgrade hoso")
        }
        var done: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            try connection.transaction {
                try migration.apply(connection)
                try connection.execute("INSERT INTO schema_migrations(name, applied_at) VALUES (?, datetime('now'))", [migration.name])
            }
            done.append(migration.name)
        }
        return done
    }

    private func createTable(_ connection: Connection) throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)")
    }
}
