import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// Thresholds of the health states (`monitor` in node.json).
public struct MonitorSettings: Codable, Sendable, Equatable {
    /// No contact for this long: lagging.
    public var lagging_minutes: Int = 15
    /// No contact for this long: offline.
    public var offline_minutes: Int = 60
    /// More than this many changes not yet at the parent (or not yet received from the child): lagging.
    public var lagging_changes: Int = 1_000
    /// Alert when a node has been offline this long.
    public var alert_offline_minutes: Int = 240
    /// Alert when a child's last this-many sync events are errors.
    public var alert_error_repeats: Int = 3
    /// POST new alerts here as JSON (optional; e.g. a chat or mail gateway of the province).
    public var webhook_url: String?

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lagging_minutes = try c.decodeIfPresent(Int.self, forKey: .lagging_minutes) ?? 15
        offline_minutes = try c.decodeIfPresent(Int.self, forKey: .offline_minutes) ?? 60
        lagging_changes = try c.decodeIfPresent(Int.self, forKey: .lagging_changes) ?? 1_000
        alert_offline_minutes = try c.decodeIfPresent(Int.self, forKey: .alert_offline_minutes) ?? 240
        alert_error_repeats = try c.decodeIfPresent(Int.self, forKey: .alert_error_repeats) ?? 3
        webhook_url = try c.decodeIfPresent(String.self, forKey: .webhook_url)
        if let url = webhook_url, URL(string: url)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "monitor.webhook_url must be an http(s) URL"))
        }
        guard alert_offline_minutes >= 1, (1...100).contains(alert_error_repeats) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "monitor: alert_offline_minutes ≥ 1, alert_error_repeats 1…100"))
        }
        guard lagging_minutes >= 1, offline_minutes > lagging_minutes, lagging_changes >= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "monitor: 1 ≤ lagging_minutes < offline_minutes, lagging_changes ≥ 1"))
        }
    }
}

/// A node of the tree below this one, as the monitoring sees it.
public struct MonitoredNode: Codable, Sendable, Equatable {
    public var node_id: String
    public var name: String
    /// The node it syncs with (this node for direct children).
    public var parent_id: String
    public var units: [String]
    public var unit_names: [String]
    /// The unit above the node's first unit: the rollup key.
    public var parent_unit_id: String?
    public var parent_unit_name: String?
    public var depth: Int
    public var software: String?
    public var schema_version: String?
    public var last_contact_at: String?
    public var last_push_at: String?
    public var last_pull_at: String?
    public var minutes_since_contact: Int?
    /// Its own changes its parent does not have yet (from the knowledge vectors).
    public var lag_up: Int64
    /// Changes waiting at the node to go up (as it last reported), and the oldest one's time.
    public var pending_changes: Int?
    public var oldest_pending_at: String?
    public var changes_rejected: Int64
    public var quarantined: Int?
    public var open_conflicts: Int?
    public var handoffs_in_flight: Int?
    public var handoffs_overdue: Int?
    public var last_error: String?
    /// The node's own view of its sync (`ok`, `offline`, `error`, ...), as last reported.
    public var reported_state: String?
    /// When this information was last brought up by the node's parent.
    public var reported_at: String?
    /// `ok`, `lagging`, `offline` or `error`.
    public var health: String
    public var reasons: [String]
}

/// The whole tree below a node: every node with its health, and the rollup per parent unit.
public struct MonitorDashboard: Codable, Sendable, Equatable {
    public var generated_at: String
    public var thresholds: MonitorSettings
    public var nodes: [MonitoredNode]
    /// Per parent unit: how many nodes in each health state.
    public var rollup: [RollupRow]

    public struct RollupRow: Codable, Sendable, Equatable {
        public var parent_unit_id: String?
        public var parent_unit_name: String
        public var ok: Int
        public var lagging: Int
        public var offline: Int
        public var error: Int
        public var total: Int
    }
}

/// The settings currently in force (`@unchecked Sendable`: `lock` guards `value`).
public final class MonitorConfiguration: @unchecked Sendable {
    private let lock = NSLock()
    private var value = MonitorSettings()
    public func get() -> MonitorSettings { lock.lock(); defer { lock.unlock() }; return value }
    public func set(_ settings: MonitorSettings) { lock.lock(); value = settings; lock.unlock() }
}

extension NodeStore {
    /// At most this many descendants travel in one status report.
    static let maximumReportedDescendants = 2_000

    /// What this node tells its parent in `hello`: its own state, and every node below it
    /// as it knows them (their reports nested one level flat, with `parent_id`).
    public func statusReport(settings: SyncSettings?) throws -> JSONObject {
        let status = try syncStatus(settings: settings)
        return try db.read { c in
            let checkpoint = Int64(try self.meta(c, "push_checkpoint") ?? "0") ?? 0
            let parent = try self.storedParentID(c) ?? ""
            let oldest = try c.scalar("SELECT min(at) FROM change_log WHERE seq > ? AND (via IS NULL OR via <> ?)", [checkpoint, parent], as: String.self)
            let handoffs = try self.openHandoffs(c, today: .today())
            let (inFlight, overdue) = (handoffs.open.count, handoffs.overdue.count)
            var report: JSONObject = [
                "state": .string(status.state), "pending_changes": .number(Double(status.pending_changes)),
                "quarantined": .number(Double(status.quarantined)), "open_conflicts": .number(Double(status.open_conflicts)),
                "handoffs_in_flight": .number(Double(inFlight)), "handoffs_overdue": .number(Double(overdue)),
                "reported_at": .string(Timestamp.now()),
            ]
            if let oldest { report["oldest_pending_at"] = .string(oldest) }
            if let code = status.last_error_code { report["last_error_code"] = .string(code) }
            var descendants: [JSONValue] = []
            for node in try self.monitoredChildren(c, flatten: true) where descendants.count < Self.maximumReportedDescendants {
                descendants.append(try JSONValue.parse(String(decoding: try JSONEncoder().encode(node), as: UTF8.self)))
            }
            report["descendants"] = .array(descendants)
            return report
        }
    }

    /// A transfer known here that is neither delivered nor aborted.
    struct OpenHandoff {
        var id: String, fromUnit: String?, toUnit: String?
        var requested: CalendarDate?
    }

    /// Every unfinished transfer known here, and which of them are past the handoff
    /// deadline (calendar or working days, as configured) on `today`.
    func openHandoffs(_ c: Connection, today: CalendarDate) throws -> (open: [OpenHandoff], overdue: [OpenHandoff]) {
        let deadline = handoffConfiguration.get().deadline
        let open = try c.rows("""
            SELECT handoff_id, min(CASE WHEN kind = 'request' THEN at END) AS requested, max(from_unit) AS from_unit, max(to_unit) AS to_unit
            FROM handoff_events WHERE deleted = 0 GROUP BY handoff_id HAVING sum(kind IN ('deliver', 'abort')) = 0
            """).map { row in
            OpenHandoff(id: row.get("handoff_id") ?? "", fromUnit: row.get("from_unit"), toUnit: row.get("to_unit"),
                        requested: (row.get("requested", as: String.self)).flatMap { CalendarDate(iso: String($0.prefix(10))) })
        }
        return (open, open.filter { $0.requested.map { deadline.isOverdue(from: $0, to: today) } ?? false })
    }

    /// Stores what a child reported in its hello.
    func recordStatusReport(_ c: Connection, child: String, _ report: JSONObject?) throws {
        guard let report else { return }
        let text = JSONValue.object(report).jsonString()
        guard text.utf8.count <= 4_000_000 else { return }
        try c.execute("UPDATE sync_children SET status_report = ?, status_reported_at = ? WHERE node_id = ?", [text, Timestamp.now(), child])
    }

    /// Records a refused sync request of an authenticated child in its history.
    public func recordChildError(_ child: String, _ error: SyncError) {
        _ = try? db.write { c in
            guard try c.scalar("SELECT count(*) FROM sync_children WHERE node_id = ?", [child], as: Int.self) == 1 else { return }
            try self.recordSyncEvent(c, child: child, kind: "error", detail: "\(error.code.rawValue): \(error.message.prefix(300))")
            if error.code == .protocolUnsupported {
                // The node reached this parent but one of them must be upgraded: its sync
                // error (health `error`, not `offline`) until a request of it succeeds.
                try c.execute("UPDATE sync_children SET last_error = ?, last_contact_at = ? WHERE node_id = ?",
                              ["\(error.code.rawValue): \(error.message)", Timestamp.now(), child])
            }
        }
    }

    /// Appends to a child's sync history (kept to its last 200 events).
    func recordSyncEvent(_ c: Connection, child: String, kind: String, detail: String) throws {
        try c.execute("INSERT INTO sync_events(node_id, at, kind, detail) VALUES (?, ?, ?, ?)", [child, Timestamp.now(), kind, detail])
        if c.lastInsertRowID % 50 == 0 {
            try c.execute("""
                DELETE FROM sync_events WHERE node_id = ? AND id <= (SELECT id FROM sync_events WHERE node_id = ? ORDER BY id DESC LIMIT 1 OFFSET 200)
                """, [child, child])
        }
    }

    /// The direct children (from this node's own records) and, with `flatten`, every node
    /// below them as their reports say; health not yet judged.
    func monitoredChildren(_ c: Connection, flatten: Bool) throws -> [MonitoredNode] {
        let mine = try knowledge(c)
        var out: [MonitoredNode] = []
        for row in try c.rows("""
            SELECT s.*, n.name, n.units FROM sync_children s LEFT JOIN nodes n ON n.id = s.node_id
            WHERE s.status <> 'retired' ORDER BY n.name, s.node_id
            """) {
            let id: String = row.get("node_id") ?? ""
            let report = (try? JSONValue.parse(row.get("status_report") ?? "null")) ?? .null
            let clock: Int64 = row.get("clock") ?? 0
            let units = (try? JSONValue.parse(row.get("units") ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
            var lastError: String? = row.get("last_error")
            if row.get("status", as: String.self) == "identity_conflict" { lastError = "identity_conflict: " + (row.get("status_message") ?? "") }
            out.append(MonitoredNode(
                node_id: id, name: row.get("name") ?? id, parent_id: nodeID, units: units, unit_names: [], parent_unit_id: nil, parent_unit_name: nil,
                depth: 1, software: row.get("software"), schema_version: row.get("schema_version"), last_contact_at: row.get("last_contact_at"),
                last_push_at: row.get("last_push_at"), last_pull_at: row.get("last_pull_at"), minutes_since_contact: nil,
                lag_up: max(0, clock - mine[id]), pending_changes: report["pending_changes"].numberValue.flatMap { Int(exactly: $0.rounded()) },
                oldest_pending_at: report["oldest_pending_at"].stringValue, changes_rejected: row.get("changes_rejected") ?? 0,
                quarantined: report["quarantined"].numberValue.flatMap { Int(exactly: $0.rounded()) }, open_conflicts: report["open_conflicts"].numberValue.flatMap { Int(exactly: $0.rounded()) },
                handoffs_in_flight: report["handoffs_in_flight"].numberValue.flatMap { Int(exactly: $0.rounded()) },
                handoffs_overdue: report["handoffs_overdue"].numberValue.flatMap { Int(exactly: $0.rounded()) }, last_error: lastError,
                reported_state: report["state"].stringValue, reported_at: row.get("status_reported_at"), health: "", reasons: []))
            if flatten, case .array(let below) = report["descendants"] {
                for item in below.prefix(Self.maximumReportedDescendants) {
                    guard let data = item.jsonString().data(using: .utf8), var node = try? JSONDecoder().decode(MonitoredNode.self, from: data) else { continue }
                    node.depth += 1
                    out.append(node)
                }
            }
        }
        return out
    }

    /// The dashboard of the tree below this node on `now`: every node judged against the
    /// thresholds, with its units' names and a rollup per parent unit.
    public func monitorDashboard(_ actor: Principal, now: Date = Date()) throws -> MonitorDashboard {
        guard actor.role == .admin else { throw NodeError.forbidden("Chỉ quản trị hệ thống xem được tình trạng các nút.") }
        let settings = monitorConfiguration.get()
        return try db.read { c in
            var nodes = try self.monitoredChildren(c, flatten: true)
            var unitNames: [String: String] = [:], unitParents: [String: String] = [:]
            for row in try c.rows("SELECT id, name, parent_id FROM units WHERE deleted = 0") {
                let id: String = row.get("id") ?? ""
                unitNames[id] = row.get("name") ?? id
                if let parent: String = row.get("parent_id") { unitParents[id] = parent }
            }
            for i in nodes.indices {
                nodes[i].unit_names = nodes[i].units.map { unitNames[$0] ?? $0 }
                let parentUnit = nodes[i].units.first.flatMap { unitParents[$0] }
                nodes[i].parent_unit_id = parentUnit
                nodes[i].parent_unit_name = parentUnit.map { unitNames[$0] ?? $0 }
                Self.judge(&nodes[i], settings: settings, now: now)
            }
            var rollup: [String: MonitorDashboard.RollupRow] = [:]
            for node in nodes {
                let key = node.parent_unit_id ?? ""
                var row = rollup[key] ?? .init(parent_unit_id: node.parent_unit_id, parent_unit_name: node.parent_unit_name ?? "(không có đơn vị cấp trên)",
                                               ok: 0, lagging: 0, offline: 0, error: 0, total: 0)
                switch node.health {
                case "ok": row.ok += 1
                case "lagging": row.lagging += 1
                case "offline": row.offline += 1
                default: row.error += 1
                }
                row.total += 1
                rollup[key] = row
            }
            return MonitorDashboard(generated_at: Timestamp.now(now), thresholds: settings, nodes: nodes,
                                    rollup: rollup.values.sorted { $0.parent_unit_name < $1.parent_unit_name })
        }
    }

    /// Health: `offline` without contact for `offline_minutes` (or never), `error` when its
    /// last contact failed, its identity is disputed, or it holds refused changes,
    /// `lagging` without contact for `lagging_minutes` or with many changes in transit,
    /// `ok` otherwise. The reasons say which rule applied, in Vietnamese.
    static func judge(_ node: inout MonitoredNode, settings: MonitorSettings, now: Date) {
        var reasons: [String] = []
        var health = "ok"
        func raise(_ level: String, _ reason: String) {
            let order = ["ok": 0, "lagging": 1, "error": 2, "offline": 3]
            if order[level]! > order[health]! { health = level }
            reasons.append(reason)
        }
        if let contact = node.last_contact_at.flatMap(FastFormat.parseTimestamp) {
            let minutes = Int(now.timeIntervalSince(contact) / 60)
            node.minutes_since_contact = max(0, minutes)
            if minutes >= settings.offline_minutes { raise("offline", "Mất liên lạc \(Self.durationText(minutes: minutes))") }
            else if minutes >= settings.lagging_minutes { raise("lagging", "Chưa liên lạc \(minutes) phút") }
        } else {
            raise("offline", "Chưa kết nối lần nào")
        }
        if let error = node.last_error, !error.isEmpty { raise("error", "Lỗi đồng bộ: \(error)") }
        if node.reported_state == "error" { raise("error", "Nút báo lỗi đồng bộ với cấp trên") }
        if let q = node.quarantined, q > 0 { raise("error", "\(q) thay đổi bị cấp trên từ chối, chờ xử lý") }
        if node.lag_up > Int64(settings.lagging_changes) { raise("lagging", "\(node.lag_up) thay đổi chưa lên cấp trên") }
        if let pending = node.pending_changes, pending > settings.lagging_changes { raise("lagging", "\(pending) thay đổi đang chờ gửi") }
        if let oldest = node.oldest_pending_at.flatMap(FastFormat.parseTimestamp), now.timeIntervalSince(oldest) / 60 >= Double(settings.lagging_minutes) {
            raise("lagging", "Thay đổi cũ nhất chờ gửi từ \(Int(now.timeIntervalSince(oldest) / 60)) phút")
        }
        if let overdue = node.handoffs_overdue, overdue > 0 { reasons.append("\(overdue) thủ tục chuyển hồ sơ quá hạn") }
        node.health = health
        node.reasons = reasons
    }

    static func durationText(minutes: Int) -> String {
        minutes < 120 ? "\(minutes) phút" : minutes < 2_880 ? "\(minutes / 60) giờ" : "\(minutes / 1_440) ngày"
    }

    /// A child's recent sync history, newest first.
    public func syncHistory(_ actor: Principal, node: String, limit: Int = 100) throws -> [JSONObject] {
        guard actor.role == .admin else { throw NodeError.forbidden() }
        return try db.read { c in
            try c.rows("SELECT at, kind, detail FROM sync_events WHERE node_id = ? ORDER BY id DESC LIMIT ?", [node, min(max(limit, 1), 200)]).map {
                ["at": .string($0.get("at") ?? ""), "kind": .string($0.get("kind") ?? ""), "detail": .string($0.get("detail") ?? "")]
            }
        }
    }
}

/// A period in which this node did not serve.
public struct OutageDTO: Codable, Sendable, Equatable {
    public var started_at: String
    public var ended_at: String
    public var minutes: Int
    /// Working days (Monday–Friday) whose office hours (08:00–17:00, Vietnam) it touched.
    public var working_days: Int
    /// Office hours lost.
    public var working_hours_lost: Double
    /// Two working days' worth of office hours lost (≥ 16 h): the units must be told
    /// (QĐ 539/2014: an outage of 2 working days in a row is announced).
    public var must_announce: Bool
}

extension NodeStore {
    /// A gap between heartbeats longer than this is an outage.
    static let heartbeatGap: TimeInterval = 180

    /// Called at start and every minute while serving: a gap since the last heartbeat is
    /// recorded as an outage.
    public func heartbeat(now: Date = Date()) throws {
        try db.write { c in
            if let last = try self.meta(c, "heartbeat_at").flatMap(FastFormat.parseTimestamp), now.timeIntervalSince(last) > Self.heartbeatGap {
                try c.execute("INSERT INTO outages(started_at, ended_at) VALUES (?, ?)", [Timestamp.now(last), Timestamp.now(now)])
            }
            try c.execute("INSERT INTO node_meta(key, value) VALUES ('heartbeat_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          [Timestamp.now(now)])
        }
    }

    /// This node's recorded outages, newest first (admins).
    public func outages(_ actor: Principal, limit: Int = 100) throws -> [OutageDTO] {
        guard actor.role == .admin else { throw NodeError.forbidden() }
        return try db.read { c in
            try c.rows("SELECT started_at, ended_at FROM outages ORDER BY id DESC LIMIT ?", [min(max(limit, 1), 1_000)]).compactMap { row in
                guard let s: String = row.get("started_at"), let e: String = row.get("ended_at"),
                      let start = FastFormat.parseTimestamp(s), let end = FastFormat.parseTimestamp(e) else { return nil }
                // Office hours 08:00–17:00 of working days, Vietnam time (UTC+7).
                var days = 0, lost = 0.0, day = CalendarDate.today(now: start)
                let last = CalendarDate.today(now: end)
                while day <= last {
                    if day.isWorkingDay {
                        let midnight = Date(timeIntervalSince1970: Double(day.dayNumber) * 86_400 - 7 * 3_600)
                        let open = midnight.addingTimeInterval(8 * 3_600), close = midnight.addingTimeInterval(17 * 3_600)
                        let overlap = min(end, close).timeIntervalSince(max(start, open))
                        if overlap > 0 { days += 1; lost += overlap / 3_600 }
                    }
                    day = day.adding(days: 1)
                }
                let minutes = Int(end.timeIntervalSince(start) / 60)
                return OutageDTO(started_at: s, ended_at: e, minutes: minutes, working_days: days, working_hours_lost: (lost * 10).rounded() / 10,
                                 must_announce: lost >= 16)
            }
        }
    }
}

/// Something an administrator must look at: a node offline too long, a sync error that
/// keeps coming back, a transfer stuck past its deadline.
public struct MonitorAlertDTO: Codable, Sendable, Equatable {
    /// `node_offline`, `sync_error`, `handoff_stuck`.
    public var kind: String
    /// Stable identity of the condition (sent to the webhook once while it lasts).
    public var key: String
    public var node_id: String?
    public var handoff_id: String?
    public var message: String

    public init(kind: String, key: String, node_id: String?, handoff_id: String?, message: String) {
        self.kind = kind
        self.key = key
        self.node_id = node_id
        self.handoff_id = handoff_id
        self.message = message
    }
}

extension NodeStore {
    /// The alerts of the tree below this node and of this node's transfers, on `now`.
    public func monitorAlerts(_ actor: Principal, now: Date = Date()) throws -> [MonitorAlertDTO] {
        let settings = monitorConfiguration.get()
        let dashboard = try monitorDashboard(actor, now: now)
        var alerts: [MonitorAlertDTO] = []
        for node in dashboard.nodes {
            if node.health == "offline", (node.minutes_since_contact ?? Int.max) >= settings.alert_offline_minutes {
                let since = node.last_contact_at.map { "từ \($0)" } ?? "chưa kết nối lần nào"
                alerts.append(MonitorAlertDTO(kind: "node_offline", key: "node_offline:\(node.node_id)", node_id: node.node_id, handoff_id: nil,
                                              message: "Nút \(node.name) mất kết nối \(since)."))
            }
        }
        try db.read { c in
            // A direct child whose last events are all errors.
            for row in try c.rows("SELECT node_id FROM sync_children WHERE status <> 'retired'") {
                let id: String = row.get("node_id") ?? ""
                let kinds = try c.rows("SELECT kind, detail FROM sync_events WHERE node_id = ? ORDER BY id DESC LIMIT ?", [id, settings.alert_error_repeats])
                guard kinds.count == settings.alert_error_repeats, kinds.allSatisfy({ $0.get("kind", as: String.self) == "error" }) else { continue }
                let name = dashboard.nodes.first { $0.node_id == id }?.name ?? id
                let code = (kinds.first?.get("detail", as: String.self) ?? "").split(separator: ":").first.map(String.init) ?? "error"
                alerts.append(MonitorAlertDTO(kind: "sync_error", key: "sync_error:\(id):\(code)", node_id: id, handoff_id: nil,
                                              message: "Nút \(name) lỗi đồng bộ \(settings.alert_error_repeats) lần liên tiếp (\(code))."))
            }
            // Transfers known here, unfinished past the deadline.
            let deadline = self.handoffConfiguration.get().deadline
            let today = CalendarDate.today(now: now)
            for handoff in try self.openHandoffs(c, today: today).overdue {
                let names = try [handoff.fromUnit, handoff.toUnit].map { unit in
                    try unit.flatMap { try c.scalar("SELECT name FROM units WHERE id = ?", [$0], as: String.self) } ?? "?"
                }
                let days = handoff.requested.map { deadline.elapsed(from: $0, to: today) } ?? 0
                alerts.append(MonitorAlertDTO(kind: "handoff_stuck", key: "handoff_stuck:\(handoff.id)", node_id: nil, handoff_id: handoff.id,
                                              message: "Thủ tục chuyển hồ sơ từ \(names[0]) sang \(names[1]) chưa xong sau \(days) ngày (hạn \(deadline.label))."))
            }
        }
        return alerts
    }

    /// Sends the alerts that are new since the last call to `send` (the webhook), once per
    /// condition while it lasts; a condition that clears is forgotten, so it is sent again
    /// if it comes back. Returns what was sent.
    @discardableResult
    public func notifyMonitorAlerts(now: Date = Date(), send: ([MonitorAlertDTO]) throws -> Void) throws -> [MonitorAlertDTO] {
        let alerts = try monitorAlerts(.commandLine("monitor"), now: now)
        let fresh: [MonitorAlertDTO] = try db.read { c in
            let known = Set(try c.rows("SELECT key FROM monitor_notified").compactMap { $0.get("key", as: String.self) })
            return alerts.filter { !known.contains($0.key) }
        }
        if !fresh.isEmpty { try send(fresh) }
        try db.write { c in
            let current = JSONValue.array(alerts.map { .string($0.key) }).jsonString()
            try c.execute("DELETE FROM monitor_notified WHERE key NOT IN (SELECT value FROM json_each(?))", [current])
            for alert in fresh { try c.execute("INSERT OR IGNORE INTO monitor_notified(key, at) VALUES (?, ?)", [alert.key, Timestamp.now(now)]) }
        }
        return fresh
    }
}
