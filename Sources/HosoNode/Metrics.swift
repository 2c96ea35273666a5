import Foundation
import HosoDomain
import HosoSQLite

/// In-process counters and histograms, rendered with the replica's gauges in the
/// Prometheus text exposition format (version 0.0.4) at `/metrics`. Labels carry only
/// operational values (method, status, direction, node ids), never dossier data.
///
/// `@unchecked Sendable`: `lock` guards `counters` and `histograms`.
public final class Metrics: @unchecked Sendable {
    struct Histogram {
        var buckets: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0
    }

    private let lock = NSLock()
    private var counters: [String: [String: Double]] = [:]
    private var histograms: [String: Histogram] = [:]
    static let help: [String: String] = [
        "hoso_http_requests_total": "HTTP requests answered, by method and status code.",
        "hoso_http_request_duration_seconds": "Time to answer an HTTP request.",
        "hoso_sync_batches_total": "Sync batches exchanged, by direction and side (child: this node's own sync; parent: served to children).",
        "hoso_sync_rows_applied_total": "Replicated rows applied, by side.",
        "hoso_sync_conflicts_total": "Concurrent versions found while applying, by side.",
        "hoso_sync_rejections_total": "Rows refused by ownership checks, by side.",
        "hoso_sync_cycles_total": "Sync cycles with the parent, by result.",
    ]
    static let durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public init() {}

    /// Adds `value` to a counter.
    public func add(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: Double = 1) {
        let key = Self.labelText(labels)
        lock.withLock { counters[name, default: [:]][key, default: 0] += value }
    }

    /// Records one observation of a histogram.
    public func observe(_ name: String, _ value: Double) {
        lock.withLock {
            var h = histograms[name] ?? Histogram(buckets: Self.durationBuckets, counts: Array(repeating: 0, count: Self.durationBuckets.count))
            for (i, bound) in h.buckets.enumerated() where value <= bound { h.counts[i] += 1 }
            h.sum += value
            h.count += 1
            histograms[name] = h
        }
    }

    /// The counter's current value (tests).
    public func value(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> Double {
        lock.withLock { counters[name]?[Self.labelText(labels)] ?? 0 }
    }

    static func labelText(_ labels: KeyValuePairs<String, String>) -> String {
        labels.isEmpty ? "" : "{" + labels.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",") + "}"
    }

    /// A label value: backslash, quote and line feed escaped (the format's only escapes).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// The counters and histograms as exposition text.
    func renderCounters() -> String {
        let (counters, histograms) = lock.withLock { (self.counters, self.histograms) }
        var out = ""
        for name in counters.keys.sorted() {
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) counter\n"
            for (labels, value) in counters[name]!.sorted(by: { $0.key < $1.key }) { out += "\(name)\(labels) \(Self.number(value))\n" }
        }
        for name in histograms.keys.sorted() {
            let h = histograms[name]!
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) histogram\n"
            for (i, bound) in h.buckets.enumerated() { out += "\(name)_bucket{le=\"\(Self.number(bound))\"} \(h.counts[i])\n" }
            out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n\(name)_sum \(Self.number(h.sum))\n\(name)_count \(h.count)\n"
        }
        return out
    }
}

/// A gauge family for the exposition: name, help, samples (labels → value).
struct GaugeFamily {
    var name: String
    var help: String
    var samples: [(labels: KeyValuePairs<String, String>, value: Double)]

    var text: String {
        "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            + samples.map { "\(name)\(Metrics.labelText($0.labels)) \(Metrics.number($0.value))\n" }.joined()
    }
}

extension NodeStore {
    /// Everything `/metrics` shows: the in-process counters and the replica's gauges
    /// (sync lag, pending changes, conflicts, quarantine, dossiers, handoffs by state,
    /// children's lag, database size).
    public func metricsText(settings: SyncSettings?, now: Date = Date()) throws -> String {
        let status = try syncStatus(settings: settings)
        var families: [GaugeFamily] = [
            GaugeFamily(name: "hoso_up", help: "1 while the node serves.", samples: [([:], 1)]),
            GaugeFamily(name: "hoso_build_info", help: "Software and schema version of this node.",
                        samples: [(["version": HosoVersion.current, "schema": Self.schemaVersion, "node_id": nodeID], 1)]),
            GaugeFamily(name: "hoso_sync_pending_changes", help: "Local changes not yet acknowledged by the parent.", samples: [([:], Double(status.pending_changes))]),
            GaugeFamily(name: "hoso_sync_state", help: "This node's sync state (1 for the current one).",
                        samples: ["ok", "offline", "error", "never", "disabled", "standalone"].map { (["state": $0], status.state == $0 ? 1 : 0) }),
            GaugeFamily(name: "hoso_conflicts_open", help: "Open conflicts in this replica.", samples: [([:], Double(status.open_conflicts))]),
            GaugeFamily(name: "hoso_quarantine_open", help: "Own changes the parent refused, waiting for an administrator.", samples: [([:], Double(status.quarantined))]),
        ]
        if let last = status.last_success_at, let date = FastFormat.parseTimestamp(last) {
            families.append(GaugeFamily(name: "hoso_sync_last_success_timestamp_seconds", help: "Unix time of the last successful sync cycle.",
                                        samples: [([:], date.timeIntervalSince1970.rounded())]))
            families.append(GaugeFamily(name: "hoso_sync_lag_seconds", help: "Seconds since the last successful sync cycle.",
                                        samples: [([:], max(0, now.timeIntervalSince(date)).rounded())]))
        }
        try db.read { c in
            families.append(GaugeFamily(name: "hoso_dossiers", help: "Dossiers stored in this replica, by whether they are archived.", samples: [
                (["archived": "false"], Double(try c.scalar("SELECT count(*) FROM person WHERE deleted = 0 AND archived_at IS NULL", as: Int.self) ?? 0)),
                (["archived": "true"], Double(try c.scalar("SELECT count(*) FROM person WHERE deleted = 0 AND archived_at IS NOT NULL", as: Int.self) ?? 0)),
            ]))
            var states: [String: Double] = ["requested": 0, "prepared": 0, "committed": 0, "delivered": 0, "aborted": 0]
            for row in try c.rows("""
                SELECT state, count(*) AS n FROM (
                    SELECT CASE WHEN sum(kind = 'deliver') > 0 THEN 'delivered' WHEN sum(kind = 'abort') > 0 THEN 'aborted'
                                WHEN sum(kind = 'commit') > 0 THEN 'committed' WHEN sum(kind = 'prepare') > 0 THEN 'prepared' ELSE 'requested' END AS state
                    FROM handoff_events WHERE deleted = 0 GROUP BY handoff_id
                ) GROUP BY state
                """) {
                states[row.get("state") ?? "requested"] = Double(row.get("n", as: Int.self) ?? 0)
            }
            families.append(GaugeFamily(name: "hoso_handoffs", help: "Transfers known to this replica, by state.",
                                        samples: states.sorted { $0.key < $1.key }.map { (["state": $0.key], $0.value) }))
            let children = try c.rows("SELECT node_id, clock FROM sync_children ORDER BY node_id")
            families.append(GaugeFamily(name: "hoso_child_nodes", help: "Nodes enrolled under this node.", samples: [([:], Double(children.count))]))
            var lag: [(KeyValuePairs<String, String>, Double)] = []
            for child in children {
                let id: String = child.get("node_id") ?? ""
                let known = try c.scalar("SELECT counter FROM knowledge WHERE origin = ?", [id], as: Int64.self) ?? 0
                lag.append((["node": id], Double(max(0, (child.get("clock", as: Int64.self) ?? 0) - known))))
            }
            if !lag.isEmpty {
                families.append(GaugeFamily(name: "hoso_child_lag_changes", help: "A child's own writes this node does not have yet (at its last contact).",
                                            samples: lag.map { ($0.0, $0.1) }))
            }
            let pages = try c.scalar("PRAGMA page_count", as: Int64.self) ?? 0, size = try c.scalar("PRAGMA page_size", as: Int64.self) ?? 0
            families.append(GaugeFamily(name: "hoso_db_size_bytes", help: "Size of the replica's database file.", samples: [([:], Double(pages * size))]))
        }
        return metrics.renderCounters() + families.map(\.text).joined()
    }
}
