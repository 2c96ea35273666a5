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
