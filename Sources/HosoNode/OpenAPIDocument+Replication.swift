import HosoDomain

extension OpenAPIDocument {
    /// The sync status, conflict and quarantine routes of the node API, and the parent's
    /// sync endpoints (node-authenticated; Protocol.md §7 is their full contract).
    static func addReplication(paths: inout JSONObject, schemas: inout JSONObject) {
        let vector = obj(["type": "object", "description": "Version or knowledge vector: node id → counter", "additionalProperties": obj(["type": "integer", "minimum": 1])])
        let integer = obj(["type": "integer"])
        let boolean = obj(["type": "boolean"])
        schemas["SyncStatus"] = obj(["type": "object", "properties": obj([
            "state": obj(["type": "string", "enum": arr(["never", "ok", "offline", "error", "disabled", "standalone"])]),
            "parent_url": nullable(str()), "parent_id": nullable(str()), "parent_name": nullable(str()),
            "last_success_at": nullable(str()), "last_attempt_at": nullable(str()), "last_error_code": nullable(str()), "last_error": nullable(str()),
            "pending_changes": integer, "quarantined": integer, "open_conflicts": integer,
            "push_checkpoint": integer, "pull_checkpoint": integer, "clock": integer,
        ])])
        schemas["ChildNode"] = obj(["type": "object", "properties": obj([
            "node_id": str(), "name": str(), "units": obj(["type": "array", "items": str()]),
            "status": obj(["type": "string", "enum": arr(["enrolled", "active", "identity_conflict", "retired"])]),
            "status_message": nullable(str()), "push_checkpoint": integer, "pull_checkpoint": integer, "clock": integer, "knowledge": vector,
            "software": nullable(str()), "schema_version": nullable(str()), "last_contact_at": nullable(str()), "last_push_at": nullable(str()),
            "last_pull_at": nullable(str()), "last_error": nullable(str()), "changes_received": integer, "changes_rejected": integer,
            "lag_up": integer, "lag_down": integer,
        ])])
        schemas["Conflict"] = obj(["type": "object", "properties": obj([
            "id": str(), "entity": str(), "row_id": str(), "person_id": nullable(str()), "unit_id": nullable(str()),
            "winner_origin": str(), "winner_version": vector, "winner": obj(["type": "object"]),
            "loser_origin": str(), "loser_version": vector, "loser": obj(["type": "object"]),
            "detected_by": str(), "detected_at": str(), "status": obj(["type": "string", "enum": arr(["open", "resolved"])]),
            "resolution": nullable(str()), "resolved_by": nullable(str()), "resolved_at": nullable(str()),
        ])])
        schemas["ConflictResolution"] = obj(["type": "object", "required": arr(["keep"]), "additionalProperties": .bool(false), "properties": obj([
            "keep": obj(["type": "string", "enum": arr(["winner", "loser"])]), "note": obj(["type": "string", "maxLength": 500]),
        ])])
        schemas["QuarantineItem"] = obj(["type": "object", "properties": obj([
            "id": integer, "entity": str(), "row_id": str(), "person_id": nullable(str()), "unit_id": nullable(str()), "version": vector,
            "data": obj(["type": "object"]), "deleted": boolean, "reason": str(), "message": str(), "rejected_by": str(), "at": str(),
            "status": obj(["type": "string", "enum": arr(["open", "discarded", "reapplied"])]), "resolved_by": nullable(str()), "resolved_at": nullable(str()),
        ])])
        schemas["QuarantineResolution"] = obj(["type": "object", "required": arr(["action"]), "additionalProperties": .bool(false), "properties": obj([
            "action": obj(["type": "string", "enum": arr(["discard", "reapply"])]),
        ])])
        let envelope: JSONObject = ["protocol": integer, "node_id": str(), "clock": integer, "knowledge": vector, "schema": str(), "software": str()]
        let envelopeRequired = ["protocol", "node_id", "clock", "knowledge", "schema", "software"]
        func message(_ extra: JSONObject, required: [String]) -> JSONValue {
            obj(["type": "object", "required": arr(envelopeRequired + required), "properties": .object(envelope.merging(extra) { $1 })])
        }
        schemas["ChangeRecord"] = obj(["type": "object", "required": arr(["seq", "entity", "id", "origin", "vv", "created_at", "updated_at", "deleted", "data"]),
                                       "properties": obj(["seq": integer, "entity": str(), "id": str(), "origin": str(), "vv": vector, "author": nullable(str()),
                                                          "created_at": str(), "updated_at": str(), "deleted": boolean, "scope": nullable(str()),
                                                          "data": obj(["type": "object"])])])
        schemas["SyncHello"] = message(["pull_checkpoint": integer, "push_marks": obj(["type": "array", "maxItems": 64, "items": obj([
            "type": "object", "required": arr(["to_seq", "batch_id"]), "properties": obj(["to_seq": integer, "batch_id": str()])])])],
                                       required: ["pull_checkpoint", "push_marks"])
        schemas["SyncHelloAnswer"] = obj(["type": "object", "properties": obj([
            "protocol": integer, "node_id": str(), "name": str(), "push_checkpoint": integer, "knowledge": vector, "clock": integer, "time": str()])])
        schemas["SyncPush"] = message(["from_seq": integer, "to_seq": integer, "batch_id": str(), "continues": boolean,
                                       "changes": obj(["type": "array", "maxItems": 5000, "items": ref("ChangeRecord")])],
                                      required: ["from_seq", "to_seq", "batch_id", "changes"])
        schemas["SyncPushAnswer"] = obj(["type": "object", "properties": obj([
            "checkpoint": integer, "knowledge": vector, "clock": integer,
            "results": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                "seq": integer, "entity": str(), "id": str(), "status": obj(["type": "string", "enum": arr(["applied", "duplicate", "conflict", "rejected"])]),
                "reason": str(), "message": str(), "current": ref("ChangeRecord")])])]),
        ])])
        schemas["SyncPull"] = message(["since": integer, "limit": obj(["type": "integer", "minimum": 1, "maximum": 5000]),
                                       "max_bytes": obj(["type": "integer", "minimum": 1024])], required: ["since", "limit", "max_bytes"])
        schemas["SyncPullAnswer"] = obj(["type": "object", "properties": obj([
            "changes": obj(["type": "array", "items": ref("ChangeRecord")]), "next": integer, "complete": boolean, "knowledge": vector, "clock": integer])])

        paths["/api/sync/status"] = obj(["get": op("This node's sync state (is it offline? what waits to go up?)", tag: "sync",
                                                   responses: ["200": jsonResponse(ref("SyncStatus"))])])
        paths["/api/sync/now"] = obj(["post": op("Sync with the parent now (admin, hr); answers the cycle's outcome", tag: "sync",
                                                 responses: ["200": jsonResponse(obj(["type": "object"])), "409": errorResponse()])])
        let monitored = obj(["type": "object", "description": .string("A node of the tree below this one (MonitoredNode: node_id, name, parent_id, units, unit_names, parent_unit_id, parent_unit_name, depth, software, schema_version, last_contact_at, last_push_at, last_pull_at, minutes_since_contact, lag_up, pending_changes, oldest_pending_at, changes_rejected, quarantined, open_conflicts, handoffs_in_flight, handoffs_overdue, last_error, reported_state, reported_at, health, reasons)")])
        paths["/api/monitor"] = obj(["get": op("Every node of the tree below this node with its health (ok, lagging, offline, error), and a rollup per parent unit (admin)", tag: "sync",
                                              parameters: [query("health", "Comma-separated health states to keep"), query("q", "Node or unit name, diacritics ignored"),
                                                           query("sort", "health (default: worst first), name, contact, lag")],
                                              responses: ["200": jsonResponse(obj(["type": "object", "properties": obj([
                                                  "generated_at": str(), "thresholds": obj(["type": "object"]), "nodes": obj(["type": "array", "items": monitored]),
                                                  "rollup": obj(["type": "array", "items": obj(["type": "object"])])])])), "403": errorResponse(), "422": errorResponse()])])
        paths["/api/monitor/alerts"] = obj(["get": op("Current alerts: nodes offline longer than monitor.alert_offline_minutes, sync errors repeating monitor.alert_error_repeats times, transfers stuck past their deadline (admin); new ones are also POSTed to monitor.webhook_url",
                                                    tag: "sync", responses: ["200": jsonResponse(obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                                                        "kind": obj(["type": "string", "enum": arr(["node_offline", "sync_error", "handoff_stuck"])]), "key": str(),
                                                        "node_id": nullable(str()), "handoff_id": nullable(str()), "message": str()])])])), "403": errorResponse()])])
        paths["/api/monitor/outages"] = obj(["get": op("This node's own outages (gaps between heartbeats), with office hours lost and whether they must be announced (≥ 16 h) (admin)",
                                                      tag: "sync", responses: ["200": jsonResponse(obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                                                          "started_at": str(), "ended_at": str(), "minutes": obj(["type": "integer"]), "working_days": obj(["type": "integer"]),
                                                          "working_hours_lost": obj(["type": "number"]), "must_announce": obj(["type": "boolean"])])])])), "403": errorResponse()])])
        paths["/api/monitor/nodes/{id}"] = obj([
            "parameters": arr([obj(["name": "id", "in": "path", "required": true, "schema": str()])]),
            "get": op("One node's state and, for a direct child, its recent sync history (admin)", tag: "sync",
                      responses: ["200": jsonResponse(monitored), "403": errorResponse(), "404": errorResponse()]),
        ])
        paths["/api/sync/nodes"] = obj(["get": op("The nodes enrolled under this node, with status and lag (admin)", tag: "sync",
                                                  responses: ["200": jsonResponse(obj(["type": "array", "items": ref("ChildNode")]))])])
        paths["/api/conflicts"] = obj(["get": op("Conflicts in reach", tag: "sync", parameters: [query("status", "open / resolved")],
                                                 responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Conflict")]))])])
        paths["/api/conflicts/{id}/resolve"] = obj([
            "parameters": arr([pathParam("id")]),
            "post": op("Resolve a conflict: keep the stored winner, or restore the loser as a new version", tag: "sync", body: ref("ConflictResolution"),
                       responses: ["200": jsonResponse(ref("Conflict")), "404": errorResponse(), "409": errorResponse(), "422": errorResponse()]),
        ])
        paths["/api/quarantine"] = obj(["get": op("This node's changes refused by its parent", tag: "sync", parameters: [query("status", "open / discarded / reapplied")],
                                                  responses: ["200": jsonResponse(obj(["type": "array", "items": ref("QuarantineItem")]))])])
        paths["/api/quarantine/{id}/resolve"] = obj([
            "parameters": arr([pathParam("id")]),
            "post": op("Discard a refused change, or write it again as a new version", tag: "sync", body: ref("QuarantineResolution"),
                       responses: ["200": jsonResponse(ref("QuarantineItem")), "404": errorResponse(), "409": errorResponse(), "422": errorResponse()]),
        ])
        for (name, summary, request, answer) in [
            ("hello", "Sync handshake (node credential)", "SyncHello", "SyncHelloAnswer"),
            ("push", "Push a batch of the child's change log (node credential)", "SyncPush", "SyncPushAnswer"),
            ("pull", "Pull the next batch of the parent's log in the child's scope (node credential)", "SyncPull", "SyncPullAnswer"),
        ] {
            var operation = op(summary, tag: "node-sync", body: ref(request),
                               responses: ["200": jsonResponse(ref(answer)), "409": errorResponse(), "413": errorResponse(), "503": errorResponse()])
            if case .object(var o) = operation {
                o["security"] = .array([obj(["node": .array([])])])
                operation = .object(o)
            }
            paths["/sync/v1/\(name)"] = obj(["post": operation])
        }
    }
}
