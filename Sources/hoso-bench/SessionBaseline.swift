import CSQLite
import Dispatch
import Foundation
import HosoNode
import HosoReplication
import HosoSQLite

/// The session-extension baseline: SQLite's own way of shipping row changes between two
/// replicas (https://sqlite.org/sessionintro.html).
///
/// The same rows are written (untimed) to a source replica while a session records them,
/// one changeset per `batchSize` rows; then each changeset is applied with
/// `sqlite3changeset_apply` to a replica that started empty (same schema, same pragmas),
/// one transaction per changeset with `synchronous = FULL` and foreign keys off — durable
/// like a sync batch and like the batched-upsert floor. No JSON, no HTTP, no version
/// vectors, no change log: the floor for "apply a batch of rows received from elsewhere".
///
/// Called repeatedly (the suite's rounds), both replicas keep growing.
final class SessionBaseline {
    struct Result {
        var rows: Int
        var applySeconds: Double
        var captureSeconds: Double
        var changesetBytes: Int
        var conflicts: Int
        /// CPU this process used during the apply, seconds.
        var applyCPU: Double
        var applyRate: Double { Double(rows) / applySeconds }
    }

    let source: NodeStore
    let target: NodeStore

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        source = try NodeStore(path: directory + "/session-source.sqlite", seedCatalogues: false)
        target = try NodeStore(path: directory + "/session-target.sqlite", seedCatalogues: false)
    }

    func run(_ records: [ChangeRecord], batchSize: Int = 1_000) throws -> Result {
        // Capture: one session per batch on the source's writer connection.
        var changesets: [[UInt8]] = []
        let tables = Set(records.map(\.entity)).sorted()
        let c0 = DispatchTime.now().uptimeNanoseconds
        for start in stride(from: 0, to: records.count, by: batchSize) {
            let batch = Array(records[start..<min(start + batchSize, records.count)])
            let session: OpaquePointer = try source.db.inDatabase { c in
                var session: OpaquePointer?
                guard sqlite3session_create(c.sqliteHandle, "main", &session) == SQLITE_OK, let session else { throw BenchError("sqlite3session_create failed") }
                // Only the replicated tables: the FTS5 index's shadow tables are real tables too,
                // but the target's triggers maintain its own index, as hoso's apply does.
                for table in tables {
                    guard sqlite3session_attach(session, table) == SQLITE_OK else { throw BenchError("sqlite3session_attach(\(table)) failed") }
                }
                return session
            }
            _ = try source.rawUpsert(batch, batchSize: batch.count, durable: false)
            let bytes: [UInt8] = try source.db.inDatabase { _ in
                defer { sqlite3session_delete(session) }
                var size: Int32 = 0
                var buffer: UnsafeMutableRawPointer?
                guard sqlite3session_changeset(session, &size, &buffer) == SQLITE_OK else { throw BenchError("sqlite3session_changeset failed") }
                defer { sqlite3_free(buffer) }
                guard let buffer else { return [] }
                return Array(UnsafeRawBufferPointer(start: buffer, count: Int(size)))
            }
            changesets.append(bytes)
        }
        let captureSeconds = Double(DispatchTime.now().uptimeNanoseconds - c0) / 1e9

        // Apply: timed.
        var conflicts = 0
        let cpu0 = Figures.processCPUSeconds()
        let applySeconds: Double = try target.db.inDatabase { c in
            try c.execute("PRAGMA synchronous = FULL")
            try c.execute("PRAGMA foreign_keys = OFF")
            defer {
                try? c.execute("PRAGMA foreign_keys = ON")
                try? c.execute("PRAGMA synchronous = NORMAL")
            }
            let start = DispatchTime.now().uptimeNanoseconds
            for var changeset in changesets where !changeset.isEmpty {
                let rc = changeset.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &conflicts) { counter in
                        sqlite3changeset_apply(c.sqliteHandle, Int32(bytes.count), bytes.baseAddress, nil, { context, _, _ in
                            context?.assumingMemoryBound(to: Int.self).pointee += 1
                            return SQLITE_CHANGESET_OMIT
                        }, counter)
                    }
                }
                guard rc == SQLITE_OK else { throw BenchError("sqlite3changeset_apply failed: \(rc) \(String(cString: sqlite3_errmsg(c.sqliteHandle)))") }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let applyCPU = Figures.processCPUSeconds() - cpu0
        // The replicas must now hold the same rows.
        for table in tables {
            let sql = "SELECT count(*) FROM \(table)"
            let (a, b) = (try source.db.read { try $0.scalar(sql, as: Int.self) }, try target.db.read { try $0.scalar(sql, as: Int.self) })
            guard a == b else { throw BenchError("session baseline: \(table) has \(a ?? -1) rows at the source, \(b ?? -1) at the target") }
        }
        return Result(rows: records.count, applySeconds: applySeconds, captureSeconds: captureSeconds,
                      changesetBytes: changesets.reduce(0) { $0 + $1.count }, conflicts: conflicts, applyCPU: applyCPU)
    }
}
