import Foundation
import Testing
@testable import HosoSQLite

@Suite struct ConnectionTests {
    @Test func opensInWALWithForeignKeys() throws {
        let dir = TemporaryDirectory()
        let c = try Connection(path: dir.file("a.sqlite"))
        #expect(try c.scalar("PRAGMA journal_mode", as: String.self) == "wal")
        #expect(try c.scalar("PRAGMA foreign_keys", as: Int.self) == 1)
        #expect(try c.scalar("PRAGMA synchronous", as: Int.self) == 1) // NORMAL
    }

    @Test func typedValuesRoundTrip() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try c.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [Int64.max, 2.5, "Nguyễn Văn Ánh", Data([0, 1, 255]), Optional<String>.none])
        let row = try #require(try c.row("SELECT * FROM t"))
        #expect(row.get("i", as: Int64.self) == Int64.max)
        #expect(row.get("r", as: Double.self) == 2.5)
        #expect(row.get("s", as: String.self) == "Nguyễn Văn Ánh")
        #expect(row.get("b", as: Data.self) == Data([0, 1, 255]))
        #expect(row["n"] == .null)
        #expect(row.get("s", as: Int.self) == nil)
    }

    @Test func namedArguments() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a TEXT, b INTEGER)")
        try c.execute("INSERT INTO t VALUES (:a, :b)", named: ["a": "x", "b": 7])
        #expect(try c.scalar("SELECT b FROM t WHERE a = 'x'", as: Int.self) == 7)
        #expect(throws: SQLiteError.self) { try c.execute("INSERT INTO t VALUES (:a, :b)", named: ["a": "x"]) }
    }

    @Test func wrongArgumentCountThrows() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a)")
        #expect(throws: SQLiteError.self) { try c.execute("INSERT INTO t VALUES (?)", []) }
    }

    @Test func statementCacheReusesPreparedStatements() throws {
        let c = try Connection(path: ":memory:")
        let a = try c.cachedStatement("SELECT 1")
        let b = try c.cachedStatement("SELECT 1")
        #expect(a === b)
        #expect(try c.makeStatement("SELECT 1") !== a)
    }

    @Test func transactionCommitsAndRollsBackOnThrow() throws {
        struct Boom: Error {}
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a INTEGER)")
        try c.transaction { try c.execute("INSERT INTO t VALUES (1)", []) }
        #expect(throws: Boom.self) {
            try c.transaction {
                try c.execute("INSERT INTO t VALUES (2)", [])
                throw Boom()
            }
        }
        #expect(try c.scalar("SELECT group_concat(a) FROM t", as: String.self) == "1")
        #expect(!c.isInTransaction)
    }

    @Test func nestedTransactionIsASavepoint() throws {
        struct Boom: Error {}
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a INTEGER)")
        try c.transaction {
            try c.execute("INSERT INTO t VALUES (1)", [])
            try? c.transaction {
                try c.execute("INSERT INTO t VALUES (2)", [])
                throw Boom()
            }
            try c.execute("INSERT INTO t VALUES (3)", [])
        }
        #expect(try c.scalar("SELECT group_concat(a) FROM t", as: String.self) == "1,3")
    }

    @Test func constraintErrorCarriesCodeAndSQLButNotValues() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a TEXT PRIMARY KEY)")
        try c.execute("INSERT INTO t VALUES (?)", ["079123456789"])
        do {
            try c.execute("INSERT INTO t VALUES (?)", ["079123456789"])
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.isConstraintViolation)
            #expect(error.isUniqueViolation)
            #expect(error.sql == "INSERT INTO t VALUES (?)")
            #expect(!error.description.contains("079123456789"))
        }
    }

    @Test func syntaxErrorReportsSQL() throws {
        let c = try Connection(path: ":memory:")
        do {
            _ = try c.rows("SELEC 1")
            Issue.record("expected a syntax error")
        } catch let error as SQLiteError {
            #expect(error.code == 1)
            #expect(error.sql == "SELEC 1")
            #expect(error.message.contains("syntax"))
        }
    }

    @Test func foreignKeysAreEnforced() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE p (id TEXT PRIMARY KEY); CREATE TABLE ch (pid TEXT REFERENCES p(id))")
        #expect(throws: SQLiteError.self) { try c.execute("INSERT INTO ch VALUES (?)", ["missing"]) }
    }

    @Test func rowsIterateAllResults() throws {
        let c = try Connection(path: ":memory:")
        try c.execute("CREATE TABLE t (a INTEGER)")
        try c.transaction { for i in 0..<100 { try c.execute("INSERT INTO t VALUES (?)", [i]) } }
        let rows = try c.rows("SELECT a FROM t WHERE a >= ? ORDER BY a", [90])
        #expect(rows.map { $0.get("a", as: Int.self)! } == Array(90..<100))
    }
}
