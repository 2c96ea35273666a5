import Foundation
import Testing
@testable import HosoSQLite

@Suite struct MigratorTests {
    @Test func appliesInOrderOnceAndRecords() throws {
        let c = try Connection(path: ":memory:")
        var m = Migrator()
        m.register("001_a", sql: "CREATE TABLE a (x)")
        m.register("002_b", sql: "CREATE TABLE b (x)")
        #expect(try m.migrate(c) == ["001_a", "002_b"])
        #expect(try m.migrate(c) == [])
        #expect(try m.appliedMigrations(c) == ["001_a", "002_b"])
        m.register("003_c", sql: "CREATE TABLE c (x)")
        #expect(try m.migrate(c) == ["003_c"])
    }

    @Test func failedMigrationLeavesNothingBehind() throws {
        let c = try Connection(path: ":memory:")
        var m = Migrator()
        m.register("001_ok", sql: "CREATE TABLE a (x)")
        m.register("002_bad", sql: "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1)")
        #expect(throws: SQLiteError.self) { try m.migrate(c) }
        #expect(try m.appliedMigrations(c) == ["001_ok"])
        #expect(try c.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'", as: Int.self) == 0)
    }

    @Test func refusesDatabaseFromNewerVersion() throws {
        let c = try Connection(path: ":memory:")
        var newer = Migrator()
        newer.register("001_a", sql: "CREATE TABLE a (x)")
        newer.register("002_future", sql: "CREATE TABLE f (x)")
        try newer.migrate(c)
        var older = Migrator()
        older.register("001_a", sql: "CREATE TABLE a (x)")
        #expect(throws: SQLiteError.self) { try older.migrate(c) }
    }
}
