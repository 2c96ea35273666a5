import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// The hub's view of the whole tree (issue 7): status reported up through a mid-tier
/// node, health states from controlled scenarios, rollup per parent unit.
@Suite struct MonitoringTests {
    let cli = Principal.commandLine("test")

    func node(_ d: MonitorDashboard, _ name: String) -> MonitoredNode? { d.nodes.first { $0.name == name } }

    @Test func theHubSeesEveryNodeOfTheTreeWithItsHealth() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()   // A learns its units before it enrols A1
        let a1 = try t.addNode("A1", units: ["A1"], parent: a)
        let b = try t.addNode("B", units: ["B"])
        try await t.settle()
        _ = try t.addNode("C", units: ["C"])   // enrolled, never connected
        // A1 writes while cut off from A: the change waits there.
        a1.line?.connected = false
        _ = try a1.store.createDossier(cli, TestTopology.person("Người Chờ", unit: t.units["A1"]!))
        _ = try? await a1.syncOnce()
        a1.line?.connected = true
        // A1 reports to A (hello carries its status), then A reports to the hub.
        a1.line?.connected = false
        try await a.syncOnce()
        try await a.syncOnce()

        let now = Date()
        var d = try t.hub.store.monitorDashboard(cli, now: now)
        #expect(Set(d.nodes.map(\.name)) == ["A", "A1", "B", "C"])
        let viaA = try #require(node(d, "A1"))
        #expect(viaA.parent_id == a.store.nodeID && viaA.depth == 2)
        #expect(viaA.unit_names == ["Đơn vị A1"] && viaA.parent_unit_name == "Đơn vị A")
        #expect(node(d, "A")?.health == "ok")
        #expect(node(d, "B")?.health == "ok")
        #expect(node(d, "C")?.health == "offline")
        #expect(node(d, "C")?.reasons == ["Chưa kết nối lần nào"])
        // A1's last report (before it was cut off) is what the hub knows.
        #expect(viaA.software == HosoVersion.current && viaA.schema_version == NodeStore.schemaVersion)

        // Time passes without contact: lagging after 15 minutes, offline after an hour.
        d = try t.hub.store.monitorDashboard(cli, now: now.addingTimeInterval(20 * 60))
        #expect(node(d, "B")?.health == "lagging")
        d = try t.hub.store.monitorDashboard(cli, now: now.addingTimeInterval(2 * 3600))
        #expect(node(d, "B")?.health == "offline")
        #expect(node(d, "B")?.reasons.first == "Mất liên lạc 2 giờ")
        var thresholds = MonitorSettings()
        thresholds.lagging_minutes = 180
        thresholds.offline_minutes = 600
        t.hub.store.monitorConfiguration.set(thresholds)
        d = try t.hub.store.monitorDashboard(cli, now: now.addingTimeInterval(2 * 3600))
        #expect(node(d, "B")?.health == "ok", "thresholds are configurable")
        t.hub.store.monitorConfiguration.set(MonitorSettings())

        // Rollup per parent unit: A, B, C are under P; A1 under A.
        d = try t.hub.store.monitorDashboard(cli, now: now)
        let underP = d.rollup.first { $0.parent_unit_name == "Đơn vị P" }
        #expect(underP.map { [$0.ok, $0.offline, $0.total] } == [2, 1, 3])
        #expect(d.rollup.first { $0.parent_unit_name == "Đơn vị A" }?.total == 1)
    }

    @Test func pendingChangesRejectionsAndOverdueHandoffsShow() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        // Changes waiting at A (its line is cut after the report went up).
        for i in 0..<3 { _ = try a.store.createDossier(cli, TestTopology.person("Người \(i)", unit: t.units["A"]!)) }
        // An old transfer still open at A: past the deadline.
        let person = try a.store.createDossier(cli, TestTopology.person("Người Chuyển", unit: t.units["A"]!))["id"]!.stringValue!
        _ = try a.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["B"]!))
        try await a.store.db.write { c in try c.execute("UPDATE handoff_events SET at = '2020-01-01T00:00:00.000Z' WHERE kind = 'request'") }
        let report = try a.store.statusReport(settings: a.sync?.settings)
        #expect(report["pending_changes"]?.numberValue.map { $0 >= 4 } == true)
        #expect(report["oldest_pending_at"] != nil)
        #expect(report["handoffs_in_flight"] == 1 && report["handoffs_overdue"] == 1)
        // The hello carries it; the push may then go through.
        let hello = HelloRequest(envelope: try a.store.syncEnvelope(), pullCheckpoint: try a.store.pullCheckpoint(), pushMarks: try a.store.recentPushMarks(),
                                 status: report)
        let accepted = await t.raw("/sync/v1/hello", hello.jsonValue, credential: a.credential)
        #expect(accepted.status == 200)
        var thresholds = MonitorSettings()
        thresholds.lagging_changes = 2
        t.hub.store.monitorConfiguration.set(thresholds)
        let d = try t.hub.store.monitorDashboard(cli)
        let seen = try #require(self.node(d, "A"))
        #expect(seen.health == "lagging")
        #expect(seen.pending_changes.map { $0 >= 4 } == true && seen.handoffs_overdue == 1)
        #expect(seen.reasons.contains("1 thủ tục chuyển hồ sơ quá hạn"))

        // A hello that does not remember the node's last push (a copied data directory)
        // is refused and holds the node: an error until an administrator acts.
        var stale = try a.store.syncEnvelope()
        stale.clock = 0
        let refused = await t.raw("/sync/v1/hello", HelloRequest(envelope: stale, pullCheckpoint: 0).jsonValue, credential: a.credential)
        #expect(refused.status >= 400)
        let after = try #require(try t.hub.store.monitorDashboard(cli).nodes.first { $0.name == "A" })
        #expect(after.health == "error")
        #expect(after.last_error?.isEmpty == false)
        #expect(after.reasons.contains { $0.hasPrefix("Lỗi đồng bộ") })
        let history = try t.hub.store.syncHistory(cli, node: a.store.nodeID)
        #expect(history.first?["kind"] == "error")
        #expect(history.contains { $0["kind"] == "hello" })
    }

    /// A node whose writes the parent refuses (a dossier of a unit it does not serve):
    /// counted as rejected, and an error while they wait in its quarantine.
    @Test func rejectedChangesMakeANodeAnError() async throws {
        let t = try TestTopology()
        let b = try t.addNode("B", units: ["B"])
        try await t.settle()
        _ = try b.store.createDossier(cli, TestTopology.person("Trương Văn Lạ", unit: t.units["A1"]!))
        let report = try await b.syncOnce()
        #expect(report.push.rejected == 1)
        try await b.syncOnce()   // the next hello reports the quarantine
        let node = try #require(try t.hub.store.monitorDashboard(cli).nodes.first { $0.name == "B" })
        #expect(node.changes_rejected == 1 && node.quarantined == 1)
        #expect(node.health == "error")
        #expect(node.reasons.contains("1 thay đổi bị cấp trên từ chối, chờ xử lý"))
        let metrics = String(decoding: await t.hub.router.respond(to: HTTPRequest(method: .get, target: "/metrics", headers: [:], body: [])).body, as: UTF8.self)
        #expect(metrics.contains("hoso_sync_rejections_total{side=\"parent\"} 1"))
    }

    @Test func dashboardAPIFiltersSortsAndIsForAdminsOnly() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        _ = try t.addNode("B", units: ["B"])
        try await a.syncOnce()
        let login = await t.hub.router.respond(to: HTTPRequest(method: .post, target: "/api/session", headers: ["Content-Type": "application/json"],
                                                               body: Array(#"{"username":"admin","password":"matkhau123"}"#.utf8)))
        let token = try #require(login.json["token"].stringValue)
        func get(_ path: String, _ token: String) async -> HTTPResponse {
            await t.hub.router.respond(to: HTTPRequest(method: .get, target: path, headers: ["Authorization": "Bearer \(token)"], body: []))
        }
        var response = await get("/api/monitor?sort=health", token)
        #expect(response.status.code == 200)
        #expect(response.json["nodes"].arrayValue?.compactMap { $0["name"].stringValue } == ["B", "A"], "offline first")
        response = await get("/api/monitor?health=ok", token)
        #expect(response.json["nodes"].arrayValue?.compactMap { $0["name"].stringValue } == ["A"])
        response = await get("/api/monitor?health=green", token)
        #expect(response.status.code == 422)
        response = await get("/api/monitor/nodes/\(a.store.nodeID)", token)
        #expect(response.status.code == 200 && response.json["history"].arrayValue?.isEmpty == false)
        response = await get("/api/monitor/nodes/nope", token)
        #expect(response.status.code == 404)
        // A leader reads the province's dossiers but not the nodes' state.
        _ = try t.hub.store.createUser(cli, UserInput(username: "lanhdao", full_name: "Lãnh đạo", password: TestTopology.password, role: .leader), hashCost: 1)
        let leader = await t.hub.router.respond(to: HTTPRequest(method: .post, target: "/api/session", headers: ["Content-Type": "application/json"],
                                                                body: Array(#"{"username":"lanhdao","password":"matkhau123"}"#.utf8)))
        response = await get("/api/monitor", leader.json["token"].stringValue ?? "")
        #expect(response.status.code == 403)
    }

    /// The outage rule: the node records its own gaps; two working days down must be announced.
    @Test func outagesAreRecordedAndTwoWorkingDaysMustBeAnnounced() throws {
        let node = try TestNode()
        func at(_ text: String) -> Date { FastFormat.parseTimestamp(text)! }
        try node.store.heartbeat(now: at("2026-11-20T03:00:00.000Z"))   // Friday 10:00 in Vietnam
        try node.store.heartbeat(now: at("2026-11-20T03:01:00.000Z"))   // a minute later: no gap
        try node.store.heartbeat(now: at("2026-11-24T02:00:00.000Z"))   // Tuesday 09:00: down since Friday
        try node.store.heartbeat(now: at("2026-11-24T02:10:00.000Z"))   // ten minutes: a short gap
        let outages = try node.store.outages(cli)
        #expect(outages.count == 2)
        #expect(outages[0].minutes == 10 && outages[0].working_days == 1 && !outages[0].must_announce)
        #expect(outages[1].started_at == "2026-11-20T03:01:00.000Z" && outages[1].ended_at == "2026-11-24T02:00:00.000Z")
        // Friday 10:01–17:00 (≈7 h), Monday 9 h, Tuesday 08:00–09:00: 17 office hours.
        #expect(outages[1].working_days == 3 && outages[1].working_hours_lost == 17 && outages[1].must_announce)
        // Down over a weekend only (Friday evening to Monday morning): no office hour lost.
        try node.store.heartbeat(now: at("2026-11-27T12:00:00.000Z"))   // Friday 19:00
        try node.store.heartbeat(now: at("2026-11-30T00:30:00.000Z"))   // Monday 07:30
        let weekend = try node.store.outages(cli)[0]
        #expect(weekend.working_days == 0 && weekend.minutes > 24 * 60 && !weekend.must_announce)
        // Tuesday 08:00 to Wednesday 16:00: 9 + 8 = 17 office hours, to be announced.
        try node.store.heartbeat(now: at("2026-12-01T01:00:00.000Z"))   // Tuesday 08:00 … (a heartbeat)
        try node.store.heartbeat(now: at("2026-12-02T09:00:00.000Z"))   // … to Wednesday 16:00
        #expect(try node.store.outages(cli)[0].working_hours_lost == 17)
        let staff = Principal(userID: nil, username: "x", role: .leader, unitID: nil, personID: nil, subtree: [])
        #expect(throws: NodeError.self) { try node.store.outages(staff) }
    }

    /// Alerts: an offline node, a repeating sync error, a stuck transfer — each sent to the
    /// webhook once while it lasts, again if it comes back.
    @Test func alertsAreSentOncePerCondition() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        var sent: [[MonitorAlertDTO]] = []
        let later = Date().addingTimeInterval(5 * 3600)
        try t.hub.store.notifyMonitorAlerts(now: later) { sent.append($0) }
        #expect(sent.count == 1 && sent[0].map(\.kind) == ["node_offline"] && sent[0][0].node_id == a.store.nodeID)
        #expect(sent[0][0].message.hasPrefix("Nút A mất kết nối từ "))
        try t.hub.store.notifyMonitorAlerts(now: later) { sent.append($0) }
        #expect(sent.count == 1, "not sent twice while it lasts")
        // Back in contact: the condition clears; offline again later: sent again.
        try t.hub.store.notifyMonitorAlerts(now: Date()) { sent.append($0) }
        try t.hub.store.notifyMonitorAlerts(now: later) { sent.append($0) }
        #expect(sent.count == 2)

        // Three refused hellos in a row, and a transfer stuck past its deadline.
        var stale = try a.store.syncEnvelope()
        stale.clock = 0
        for _ in 0..<3 { _ = await t.raw("/sync/v1/hello", HelloRequest(envelope: stale, pullCheckpoint: 0).jsonValue, credential: a.credential) }
        let person = try t.hub.store.createDossier(cli, TestTopology.person("Người Chuyển", unit: t.units["B"]!))["id"]!.stringValue!
        _ = try t.hub.store.requestHandoff(cli, HandoffRequest(person_id: person, to_unit_id: t.units["D"]!))
        try await t.hub.store.db.write { c in try c.execute("UPDATE handoff_events SET at = '2026-01-05T02:00:00.000Z' WHERE kind = 'request'") }
        let kinds = try t.hub.store.notifyMonitorAlerts(now: Date()) { sent.append($0) }.map(\.kind).sorted()
        #expect(kinds == ["handoff_stuck", "sync_error"])
        #expect(sent.last?.first { $0.kind == "handoff_stuck" }?.message.contains("từ Đơn vị B sang Đơn vị D") == true)
        #expect(sent.last?.first { $0.kind == "sync_error" }?.message.contains("3 lần liên tiếp (identity_conflict)") == true)
    }

    /// The webhook is a real HTTP POST of JSON; a refusing endpoint is an error (retried later).
    @Test func webhookPostsJSON() async throws {
        let received = ReceivedBodies()
        let router = Router()
        router.post("/hook") { request, _ in
            received.add(request.body)
            return HTTPResponse(status: .noContent)
        }
        router.post("/broken") { _, _ in HTTPResponse(status: HTTPStatus(code: 500, reason: "Internal Server Error")) }
        let server = HTTPServer(configuration: .init(port: 0), responder: router)
        let port = try server.start()
        defer { server.stop() }
        let alert = MonitorAlertDTO(kind: "node_offline", key: "node_offline:x", node_id: "x", handoff_id: nil, message: "Nút X mất kết nối.")
        try await offPool { try NodeRuntime.postWebhook(URL(string: "http://127.0.0.1:\(port)/hook")!, [alert]) }
        let body = try JSONValue.parse(String(decoding: try #require(received.all.first), as: UTF8.self))
        #expect(body["text"] == "hoso: Nút X mất kết nối.")
        #expect(body["alerts"].arrayValue?.first?["kind"] == "node_offline")
        await #expect(throws: NodeError.self) { try await offPool { try NodeRuntime.postWebhook(URL(string: "http://127.0.0.1:\(port)/broken")!, [alert]) } }
    }
}

/// Bodies a test webhook received (`@unchecked Sendable`: `lock` guards `bodies`).
final class ReceivedBodies: @unchecked Sendable {
    private let lock = NSLock()
    private var bodies: [[UInt8]] = []
    func add(_ body: [UInt8]) { lock.withLock { bodies.append(body) } }
    var all: [[UInt8]] { lock.withLock { bodies } }
}
