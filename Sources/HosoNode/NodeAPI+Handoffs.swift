import Foundation
import HosoDomain
import HosoHTTP
import HosoReplication

extension NodeAPI {
    static let handoffKeys: Set<String> = ["person_id", "to_unit_id", "event_type", "decision_no", "decision_date", "effective_date",
                                           "signer", "position_title", "position_code", "note"]

    /// Transfers between units (Protocol.md §8): request, answer, list, history.
    func addHandoffRoutes(_ router: Router) {
        let store = self.store
        router.post("/api/handoffs", authed { request, _, principal in
            try APIResponse.json(try store.requestHandoff(principal, try request.decode(HandoffRequest.self, allowed: Self.handoffKeys)), status: .created)
        })
        router.get("/api/handoffs", authed { request, _, principal in
            let direction = request.query["direction"].flatMap { ["in", "out", "all"].contains($0) ? $0 : nil }
            return try APIResponse.json(try store.handoffs(principal, direction: direction, active: request.query["active"] != "false"))
        })
        router.get("/api/handoffs/:id", authed { _, p, principal in
            try APIResponse.json(try store.handoff(principal, id: try p.value("id")))
        })
        for (path, kind) in [("accept", HandoffEvent.Kind.accept), ("refuse", .refuse), ("cancel", .cancel)] {
            router.post("/api/handoffs/:id/\(path)", authed { request, p, principal in
                struct Body: Decodable { var reason: String? }
                let body: Body = request.body.isEmpty ? Body(reason: nil) : try request.decode(Body.self, allowed: ["reason"])
                return try APIResponse.json(try store.answerHandoff(principal, id: try p.value("id"), kind: kind, reason: body.reason))
            })
        }
    }
}
