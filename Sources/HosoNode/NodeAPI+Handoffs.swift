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
        router.post("/api/dossiers/:id/movements", authed { request, p, principal in
            let input = try request.decode(MovementRequest.self, allowed: ["kind", "decision_no", "decision_date", "effective_date", "signer", "destination", "note"])
            let (dossier, package) = try store.recordMovement(principal, personID: try p.value("id"), input)
            var body: JSONObject = ["dossier": .object(dossier)]
            if let package { body["package"] = package }
            return APIResponse.json(.object(body), status: .created)
        })
        router.get("/api/movements", authed { _, _, principal in try APIResponse.json(try store.movements(principal)) })
        router.get("/api/dossiers/:id/export", authed { _, p, principal in
            var response = APIResponse.json(try store.exportPackage(principal, personID: try p.value("id")))
            response.headers.set(name: "Content-Disposition", value: "attachment; filename=\"hoso-\(try p.value("id")).json\"")
            return response
        })
        // Search by criteria and saved searches (issue 6).
        router.post("/api/search", authed { request, _, principal in
            let page = try store.search(principal, try SearchCriteria(json: .object(try request.jsonObject())))
            return APIResponse.json(.object(["items": .array(page.items.map(JSONValue.object)), "total": .number(Double(page.total)),
                                             "page": .number(Double(page.page)), "per_page": .number(Double(page.perPage))]))
        })
        router.post("/api/search/export", authed { request, _, principal in
            let bytes = try store.exportSearchCSV(principal, try SearchCriteria(json: .object(try request.jsonObject())))
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8",
                                                       "Content-Disposition": "attachment; filename=\"danh-sach-ho-so.csv\""], body: bytes)
        })
        router.get("/api/searches", authed { _, _, principal in try APIResponse.json(try store.savedSearches(principal)) })
        router.post("/api/searches", authed { request, _, principal in
            let body = try request.jsonObject()
            for key in body.keys where key != "name" && key != "criteria" {
                throw NodeError.validation([FieldError(field: key, code: "unknown_field", message: "Không có trường '\(key)'.")])
            }
            let criteria = try SearchCriteria(json: body["criteria"] ?? [:])
            return try APIResponse.json(try store.saveSearch(principal, name: body["name"]?.stringValue ?? "", criteria: criteria), status: .created)
        })
        router.delete("/api/searches/:id", authed { _, p, principal in
            try store.deleteSavedSearch(principal, id: try p.value("id"))
            return HTTPResponse(status: .noContent)
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
