import HosoDomain

extension OpenAPIDocument {
    /// Transfers between units, status movements, export and import (Protocol.md §8).
    static func addHandoffs(paths: inout JSONObject, schemas: inout JSONObject) {
        let date = obj(["type": "string", "format": "date"])
        schemas["HandoffRequest"] = obj(["type": "object", "required": arr(["person_id", "to_unit_id"]), "additionalProperties": .bool(false), "properties": obj([
            "person_id": str(), "to_unit_id": str(),
            "event_type": obj(["type": "string", "enum": arr(["dieu_dong", "luan_chuyen", "thuyen_chuyen", "biet_phai"])]),
            "decision_no": obj(["type": "string", "maxLength": 50]), "decision_date": date, "effective_date": date,
            "signer": obj(["type": "string", "maxLength": 100]), "position_title": obj(["type": "string", "maxLength": 200]),
            "position_code": str(), "note": obj(["type": "string", "maxLength": 1000]),
        ])])
        schemas["Handoff"] = obj(["type": "object", "properties": obj([
            "id": str(), "person_id": str(), "person_name": nullable(str()), "birth_date": nullable(str()),
            "from_unit": str(), "from_unit_name": nullable(str()), "to_unit": str(), "to_unit_name": nullable(str()),
            "state": obj(["type": "string", "enum": arr(["requested", "prepared", "committed", "delivered", "aborted"])]),
            "accepted": obj(["type": "boolean"]), "frozen": obj(["type": "boolean"]), "abort_reason": nullable(str()),
            "decision": obj(["type": "object"]), "requested_at": str(), "requested_by": nullable(str()), "coordinator": nullable(str()),
            "age_days": obj(["type": "integer"]), "deadline": str(), "overdue": obj(["type": "boolean"]),
            "steps": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                "kind": str(), "at": str(), "node": str(), "username": nullable(str()), "data": obj(["type": "object"])])])]),
        ])])
        schemas["HandoffAnswer"] = obj(["type": "object", "additionalProperties": .bool(false), "properties": obj([
            "reason": obj(["type": "string", "maxLength": 1000])])])
        schemas["MovementRequest"] = obj(["type": "object", "required": arr(["kind", "effective_date"]), "additionalProperties": .bool(false), "properties": obj([
            "kind": obj(["type": "string", "enum": arr(["nghi_huu", "thoi_viec", "tu_tran", "chuyen_khoi_dang", "chuyen_ngoai_tinh"])]),
            "decision_no": obj(["type": "string", "maxLength": 50]), "decision_date": date, "effective_date": date,
            "signer": obj(["type": "string", "maxLength": 100]), "destination": obj(["type": "string", "maxLength": 300]),
            "note": obj(["type": "string", "maxLength": 1000]),
        ])])
        schemas["Movement"] = obj(["type": "object", "properties": obj([
            "person_id": str(), "person_name": str(), "unit_id": str(), "kind": str(), "kind_name": str(), "decision_no": nullable(str()),
            "effective_date": nullable(str()), "recorded_at": str(), "days_to_record": obj(["type": "integer"]), "deadline": str(),
            "overdue": obj(["type": "boolean"]),
        ])])
        schemas["ExportPackage"] = obj(["type": "object", "required": arr(["format", "version", "manifest", "dossier"]), "properties": obj([
            "format": obj(["type": "string", "enum": arr(["hoso-dossier-export"])]), "version": obj(["type": "integer"]),
            "manifest": obj(["type": "object", "properties": obj([
                "person_id": str(), "full_name": str(), "personal_id": nullable(str()), "exported_at": str(), "exported_by": str(),
                "source_node": str(), "source_unit": obj(["type": "object"]), "tables": obj(["type": "object"]),
                "attachments": obj(["type": "array", "items": obj(["type": "object"])]), "content_sha256": str()])]),
            "dossier": obj(["type": "object"]),
        ])])

        paths["/api/handoffs"] = obj([
            "get": op("Transfers in reach (direction=in|out|all, active=true|false)", tag: "handoffs",
                      parameters: [query("direction", "in / out / all"), query("active", "only unfinished (default true)", type: "boolean")],
                      responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Handoff")]))]),
            "post": op("Request a transfer of a dossier to another unit", tag: "handoffs", body: ref("HandoffRequest"),
                       responses: ["201": jsonResponse(ref("Handoff")), "404": errorResponse(), "409": errorResponse(), "422": errorResponse()]),
        ])
        paths["/api/handoffs/{id}"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("A transfer with every step", tag: "handoffs", responses: ["200": jsonResponse(ref("Handoff")), "404": errorResponse()]),
        ])
        for (name, summary) in [("accept", "The receiving unit accepts"), ("refuse", "The receiving unit refuses (reason required)"),
                                ("cancel", "The requesting side withdraws (reason required)")] {
            paths["/api/handoffs/{id}/\(name)"] = obj([
                "parameters": arr([pathParam("id")]),
                "post": op(summary, tag: "handoffs", body: ref("HandoffAnswer"),
                           responses: ["200": jsonResponse(ref("Handoff")), "404": errorResponse(), "409": errorResponse(), "422": errorResponse()]),
            ])
        }
        paths["/api/dossiers/{id}/movements"] = obj([
            "parameters": arr([pathParam("id")]),
            "post": op("Record a retirement, leaving, death (archived) or a move out of the system (exported, archived)", tag: "handoffs",
                       body: ref("MovementRequest"),
                       responses: ["201": jsonResponse(obj(["type": "object", "properties": obj(["dossier": obj(["type": "object"]), "package": ref("ExportPackage")])])),
                                   "404": errorResponse(), "409": errorResponse(), "422": errorResponse()]),
        ])
        paths["/api/movements"] = obj(["get": op("Movements recorded in reach, with their deadline", tag: "handoffs",
                                                 responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Movement")]))])])
        paths["/api/dossiers/{id}/export"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("The dossier as a verifiable export package", tag: "handoffs", responses: ["200": jsonResponse(ref("ExportPackage")), "404": errorResponse()]),
        ])
    }
}
