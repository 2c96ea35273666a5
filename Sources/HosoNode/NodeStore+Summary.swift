import Foundation
import HosoDomain
import HosoSQLite

/// What a replica holds, in a form two copies can be compared by: a restored backup and
/// the node it was taken from, say (`hoso check --summary`, deploy/scripts/hoso-restore-drill).
public struct ReplicaSummary: Codable, Sendable, Equatable {
    public var node_id: String
    /// The newest migration applied.
    public var schema: String
    /// The node's logical clock (its latest local write).
    public var clock: Int64
    /// Rows: `dossiers`, `units`, `users` (not deleted), `change_log`, `audit_log`.
    public var counts: [String: Int]
    /// SHA-256 over every replicated row's content and version vector (the per-dossier
    /// and shared digests of `NodeStore+Digest`): equal exactly when the replicated data is.
    public var digest: String
}

extension NodeStore {
    /// The replica's summary. Reads everything once; meant for checks, not for requests.
    public func summary() throws -> ReplicaSummary {
        let lines = try dossierDigests().map { "person:\($0.key) \($0.value)" } + sharedDigests().map { "\($0.key) \($0.value)" }
        let digest = SHA256.hex(Array(lines.sorted().joined(separator: "\n").utf8))
        return try db.read { c in
            var counts: [String: Int] = [:]
            for (name, sql) in [("dossiers", "SELECT count(*) FROM person WHERE deleted = 0"), ("units", "SELECT count(*) FROM units WHERE deleted = 0"),
                                ("users", "SELECT count(*) FROM users WHERE deleted = 0"), ("change_log", "SELECT count(*) FROM change_log"),
                                ("audit_log", "SELECT count(*) FROM audit_log")] {
                counts[name] = try c.scalar(sql, as: Int.self) ?? 0
            }
            let applied = try NodeSchema.migrator.appliedMigrations(c)
            return ReplicaSummary(node_id: self.nodeID, schema: applied.last ?? "", clock: try self.clock(c), counts: counts, digest: digest)
        }
    }
}
