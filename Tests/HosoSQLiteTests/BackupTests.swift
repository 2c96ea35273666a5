import Foundation
import Testing
@testable import HosoSQLite

@Suite struct BackupTests {
    @Test func onlineBackupCopiesEverythingAndVerifies() throws {
        let dir = TemporaryDirectory()
        let queue = try DatabaseQueue(path: dir.file("live.sqlite"))
        try queue.write { c in
            try c.execute("CREATE TABLE t (a TEXT)")
            for i in 0..<1000 { try c.execute("INSERT INTO t VALUES (?)", ["row \(i)"]) }
        }
        try queue.inDatabase { try $0.backup(to: dir.file("copy.sqlite")) }
        #expect(try Connection.verifyDatabaseFile(at: dir.file("copy.sqlite")) == [])
        let copy = try Connection(path: dir.file("copy.sqlite"))
        #expect(try copy.scalar("SELECT count(*) FROM t", as: Int.self) == 1000)
        #expect(!FileManager.default.fileExists(atPath: dir.file("copy.sqlite.partial")))
    }

    @Test func verifyRefusesGarbageAndTruncatedFiles() throws {
        let dir = TemporaryDirectory()
        try Data("this is not a database, just text".utf8).write(to: URL(fileURLWithPath: dir.file("junk.sqlite")))
        #expect(throws: SQLiteError.self) { try Connection.verifyDatabaseFile(at: dir.file("junk.sqlite")) }

        let queue = try DatabaseQueue(path: dir.file("live.sqlite"))
        try queue.write { c in
            try c.execute("CREATE TABLE t (a TEXT)")
            for i in 0..<5000 { try c.execute("INSERT INTO t VALUES (?)", [String(repeating: "x", count: 100) + "\(i)"]) }
        }
        try queue.inDatabase { try $0.backup(to: dir.file("good.sqlite")) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("good.sqlite")))
        // Corrupt pages in the middle of the file.
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 8192, by: 1) { bytes[i] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: dir.file("bad.sqlite")))
        #expect(throws: SQLiteError.self) { try Connection.verifyDatabaseFile(at: dir.file("bad.sqlite")) }
        #expect(throws: SQLiteError.self) { try Connection.verifyDatabaseFile(at: dir.file("missing.sqlite")) }
    }

    @Test func asyncWritesAreSerialised() async throws {
        let dir = TemporaryDirectory()
        let queue = try DatabaseQueue(path: dir.file("q.sqlite"))
        try queue.inDatabase { try $0.execute("CREATE TABLE t (a INTEGER)") }
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask { _ = try? await queue.write { c in try c.execute("INSERT INTO t VALUES (?)", [i]) } }
            }
        }
        let count = try await queue.read { c in try c.scalar("SELECT count(*) FROM t", as: Int.self) }
        #expect(count == 50)
    }
}
