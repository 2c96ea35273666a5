import Foundation
import HosoDomain
import HosoHTTP
import HosoReplication

extension NodeAPI {
    /// Sync status, `sync now`, the children of this node, conflicts and quarantine.
    func addReplicationRoutes(_ router: Router) {
        let store = self.store, sync = self.sync, settings = self.syncSettings

        router.get("/api/sync/status", authed { _, _, _ in
            try APIResponse.json(try store.syncStatus(settings: settings))
        })
        router.post("/api/sync/now", { request, _ in
            do {
                let principal = try request.principal()
                guard principal.role == .admin || principal.role == .hr else { throw NodeError.forbidden() }
                guard let sync else {
                    throw NodeError(.conflict, "no_parent", "Nút này không có nút cấp trên để đồng bộ.")
                }
                do {
                    let report = try await sync.syncOnce()
                    return APIResponse.json(.object([
                        "status": .string("ok"), "pushed": .number(Double(report.push.sent)), "rejected": .number(Double(report.push.rejected)),
                        "conflicts": .number(Double(report.push.conflicts + report.pull.conflicts)), "pulled": .number(Double(report.pull.received)),
                    ]))
                } catch let error as SyncError {
                    // The node itself is fine: report the parent's answer, do not fail the request.
                    return APIResponse.json(.object(["status": .string("failed"), "code": .string(error.code.rawValue),
                                                     "message": .string(error.message), "retryable": .bool(error.isRetryable)]))
                }
            } catch {
                return APIResponse.error(error)
            }
        })
        // Monitoring of the tree below this node (admins).
        router.get("/api/monitor", authed { request, _, principal in
            var dashboard = try store.monitorDashboard(principal)
            if let health = request.query["health"], !health.isEmpty {
                let wanted = Set(health.split(separator: ",").map(String.init))
                guard wanted.isSubset(of: ["ok", "lagging", "offline", "error"]) else {
                    throw NodeError.validation([FieldError(field: "health", code: "unknown_code", message: "Trạng thái: ok, lagging, offline, error.")])
                }
                dashboard.nodes.removeAll { !wanted.contains($0.health) }
            }
            if let q = request.query["q"].map(VietnameseText.fold), !q.isEmpty {
                dashboard.nodes.removeAll { node in !([node.name] + node.unit_names).contains { VietnameseText.fold($0).contains(q) } }
            }
            let severity = ["offline": 0, "error": 1, "lagging": 2, "ok": 3]
            switch request.query["sort"] ?? "health" {
            case "health": dashboard.nodes.sort { (severity[$0.health] ?? 9, $0.name) < (severity[$1.health] ?? 9, $1.name) }
            case "name": dashboard.nodes.sort { $0.name < $1.name }
            case "contact": dashboard.nodes.sort { ($0.minutes_since_contact ?? Int.max) > ($1.minutes_since_contact ?? Int.max) }
            case "lag": dashboard.nodes.sort { $0.lag_up + Int64($0.pending_changes ?? 0) > $1.lag_up + Int64($1.pending_changes ?? 0) }
            default: throw NodeError.validation([FieldError(field: "sort", code: "unknown_code", message: "Sắp xếp theo: health, name, contact, lag.")])
            }
            return try APIResponse.json(dashboard)
        })
        router.get("/api/monitor/alerts", authed { _, _, principal in try APIResponse.json(try store.monitorAlerts(principal)) })
        router.get("/api/monitor/outages", authed { _, _, principal in try APIResponse.json(try store.outages(principal)) })
        router.get("/api/monitor/nodes/:id", authed { _, p, principal in
            let id = try p.value("id")
            guard let node = try store.monitorDashboard(principal).nodes.first(where: { $0.node_id == id }) else { throw NodeError.notFound("nút '\(id)'") }
            let history = node.parent_id == store.nodeID ? try store.syncHistory(principal, node: id) : []
            var body = try JSONValue.parse(String(decoding: try JSONEncoder().encode(node), as: UTF8.self))
            if case .object(var o) = body {
                o["history"] = .array(history.map(JSONValue.object))
                o["history_note"] = node.parent_id == store.nodeID ? .null : .string("Lịch sử đồng bộ của nút này nằm ở nút cấp trên trực tiếp của nó.")
                body = .object(o)
            }
            return APIResponse.json(body)
        })
        router.get("/api/sync/nodes", authed { _, _, principal in
            guard principal.role == .admin else { throw NodeError.forbidden() }
            return try APIResponse.json(try store.children())
        })
        router.get("/api/conflicts", authed { request, _, principal in
            try APIResponse.json(try store.conflicts(principal, status: request.query["status"].flatMap { $0.isEmpty ? nil : $0 }))
        })
        router.post("/api/conflicts/:id/resolve", authed { request, p, principal in
            struct Body: Decodable { var keep: String; var note: String? }
            let body = try request.decode(Body.self, allowed: ["keep", "note"])
            return try APIResponse.json(try store.resolveConflict(principal, id: try p.value("id"), keep: body.keep, note: body.note))
        })
        router.get("/api/quarantine", authed { request, _, principal in
            try APIResponse.json(try store.quarantined(principal, status: request.query["status"].flatMap { $0.isEmpty ? nil : $0 }))
        })
        router.post("/api/quarantine/:id/resolve", authed { request, p, principal in
            struct Body: Decodable { var action: String }
            let body = try request.decode(Body.self, allowed: ["action"])
            guard let id = Int64(try p.value("id")) else { throw NodeError.notFound("thay đổi bị từ chối") }
            return try APIResponse.json(try store.resolveQuarantine(principal, id: id, action: body.action))
        })
    }
}
