import HosoDomain

/// The OpenAPI 3.0 description of the node's HTTP API, generated from the same
/// `DossierSchema` that drives the database and validation, so it cannot drift from
/// the fields the server accepts. Served at `/openapi.json`; a copy is kept in the
/// repository at `openapi.json` and a test checks the two are identical.
public enum OpenAPIDocument {
    /// The document as JSON.
    public static func make(version: String = HosoVersion.current) -> JSONValue {
        var schemas: JSONObject = [
            "Error": obj([
                "type": "object", "required": arr(["error"]),
                "properties": obj(["error": obj([
                    "type": "object", "required": arr(["code", "message"]),
                    "properties": obj([
                        "code": obj(["type": "string"]),
                        "message": obj(["type": "string"]),
                        "fields": obj(["type": "array", "items": ref("FieldError")]),
                    ]),
                ])]),
            ]),
            "FieldError": obj([
                "type": "object", "required": arr(["field", "code", "message"]),
                "properties": obj(["field": str(), "code": str(), "message": str()]),
            ]),
            "Login": obj([
                "type": "object", "required": arr(["username", "password"]), "additionalProperties": .bool(false),
                "properties": obj(["username": obj(["type": "string", "maxLength": 64]), "password": obj(["type": "string", "maxLength": 256])]),
            ]),
            "Session": obj([
                "type": "object",
                "properties": obj(["token": str(), "csrf_token": str(), "expires_at": str(), "user": ref("User")]),
            ]),
            "PasswordChange": obj([
                "type": "object", "required": arr(["current_password", "new_password"]), "additionalProperties": .bool(false),
                "properties": obj(["current_password": str(), "new_password": str()]),
            ]),
            "PasswordReset": obj([
                "type": "object", "required": arr(["new_password"]), "additionalProperties": .bool(false),
                "properties": obj(["new_password": str()]),
            ]),
            "User": obj([
                "type": "object",
                "properties": obj([
                    "id": str(), "username": str(), "full_name": str(),
                    "role": obj(["type": "string", "enum": arr(Role.allCases.map(\.rawValue))]),
                    "unit_id": nullable(str()), "person_id": nullable(str()), "active": obj(["type": "boolean"]),
                    "must_change_password": obj(["type": "boolean"]), "locked_until": nullable(str()), "last_login_at": nullable(str()),
                ]),
            ]),
            "UserInput": obj([
                "type": "object", "additionalProperties": .bool(false),
                "properties": obj([
                    "username": str(), "full_name": str(), "password": str(),
                    "role": obj(["type": "string", "enum": arr(Role.allCases.map(\.rawValue))]),
                    "unit_id": nullable(str()), "person_id": nullable(str()), "active": obj(["type": "boolean"]),
                ]),
            ]),
            "Unit": obj([
                "type": "object",
                "properties": obj(["id": str(), "code": str(), "name": str(), "kind": nullable(str()), "parent_id": nullable(str()),
                                   "level_tag": nullable(str()), "valid_from": nullable(str()), "valid_to": nullable(str()), "successor_id": nullable(str())]),
            ]),
            "UnitInput": obj([
                "type": "object", "additionalProperties": .bool(false),
                "properties": obj(["code": str(), "name": str(), "kind": nullable(str()), "parent_id": nullable(str()),
                                   "level_tag": nullable(str()), "valid_from": nullable(str()), "valid_to": nullable(str()), "successor_id": nullable(str())]),
            ]),
            "Quota": obj([
                "type": "object", "required": arr(["year", "category", "quota"]), "additionalProperties": .bool(false),
                "properties": obj(["year": obj(["type": "integer"]), "category": str(), "quota": obj(["type": "integer", "minimum": 0])]),
            ]),
            "Staffing": obj([
                "type": "object",
                "properties": obj(["unit_id": str(), "unit_name": str(), "depth": obj(["type": "integer"]), "year": obj(["type": "integer"]),
                                   "category": str(), "category_name": str(), "quota": nullable(obj(["type": "integer"])),
                                   "actual": obj(["type": "integer"]), "difference": nullable(obj(["type": "integer"])),
                                   "status": obj(["type": "string", "enum": arr(["over", "under", "ok", "no_quota"])]), "status_name": str()]),
            ]),
            "Catalogue": obj([
                "type": "object",
                "properties": obj(["id": str(), "name": str(), "version": str(), "source": str(), "note": nullable(str()), "entries": obj(["type": "integer"])]),
            ]),
            "CatalogueEntry": obj([
                "type": "object", "required": arr(["code", "name"]),
                "properties": obj(["code": str(), "name": str(), "attributes": obj(["type": "object", "additionalProperties": str()]),
                                   "sort_order": obj(["type": "integer"]), "valid_from": nullable(str()), "valid_to": nullable(str())]),
            ]),
            "AuditEntry": obj([
                "type": "object",
                "properties": obj(["id": obj(["type": "integer"]), "at": str(), "user_id": nullable(str()), "username": nullable(str()),
                                   "action": str(), "entity": nullable(str()), "entity_id": nullable(str()), "person_id": nullable(str()),
                                   "unit_id": nullable(str()), "changes": obj(["nullable": .bool(true)]), "client": nullable(str()), "request_id": nullable(str())]),
            ]),
            "DossierSummary": obj([
                "type": "object",
                "properties": obj(["id": str(), "unit_id": str(), "unit_name": str(), "updated_at": str(), "full_name": str(),
                                   "birth_date": nullable(str()), "sex": nullable(str()), "personal_id": nullable(str()), "position_title": nullable(str()),
                                   "ngach": nullable(str()), "employment_status": nullable(str()), "staff_category": nullable(str())]),
            ]),
            "DossierPage": obj([
                "type": "object",
                "properties": obj(["items": obj(["type": "array", "items": ref("DossierSummary")]), "total": obj(["type": "integer"]),
                                   "page": obj(["type": "integer"]), "per_page": obj(["type": "integer"])]),
            ]),
            "NodeInfo": obj([
                "type": "object",
                "properties": obj(["node_id": str(), "name": str(), "version": str(), "schema": obj(["type": "array", "items": str()])]),
            ]),
        ]
        for kind in DossierSchema.allKinds {
            schemas[schemaName(kind) + "Fields"] = fieldsSchema(kind, forInput: true)
            schemas[schemaName(kind)] = recordSchema(kind)
        }
        var dossierInput = fieldsSchema(DossierSchema.person, forInput: true)
        if case .object(var o) = dossierInput, case .object(var props)? = o["properties"] {
            props["unit_id"] = str()
            for kind in DossierSchema.subRecordKinds {
                props[kind.jsonKey] = obj(["type": "array", "items": ref(schemaName(kind) + "Fields")])
            }
            o["properties"] = .object(props)
            o["required"] = arr(["unit_id"] + DossierSchema.person.fields.filter(\.required).map(\.name))
            dossierInput = .object(o)
        }
        schemas["DossierInput"] = dossierInput
        var dossier = recordSchema(DossierSchema.person)
        if case .object(var o) = dossier, case .object(var props)? = o["properties"] {
            props["unit_name"] = str()
            for kind in DossierSchema.subRecordKinds {
                props[kind.jsonKey] = obj(["type": "array", "items": ref(schemaName(kind))])
            }
            props["archived_at"] = nullable(str())
            props["handoff"] = nullable(obj(["type": "object", "description": "The transfer that freezes this dossier (Protocol.md §8).",
                                             "properties": obj(["id": str(), "state": str(), "to_unit": str(), "to_unit_name": nullable(str())])]))
            props["transferred_out"] = nullable(obj(["type": "object", "description": "Set when the dossier left this replica's units: a read-only copy.",
                                                     "properties": obj(["handoff_id": str(), "to_unit": str(), "to_unit_name": nullable(str()), "at": str()])]))
            o["properties"] = .object(props)
            dossier = .object(o)
        }
        schemas["Dossier"] = dossier

        var paths: JSONObject = [:]
        paths["/healthz"] = obj(["get": op("Liveness", tag: "system", auth: false, responses: ["200": jsonResponse(obj(["type": "object"]))])])
        paths["/readyz"] = obj(["get": op("Readiness: the replica answers and its schema is this version's", tag: "system", auth: false,
                                          responses: ["200": jsonResponse(obj(["type": "object"])), "503": jsonResponse(obj(["type": "object"]))])])
        paths["/metrics"] = obj(["get": op("Prometheus text format 0.0.4: requests, latencies, sync batches, rows applied, conflicts, rejections, lag, pending changes, dossiers, handoffs by state, children's lag, database size; no personal data",
                                           tag: "system", auth: false,
                                           responses: ["200": obj(["description": "Exposition text", "content": obj(["text/plain": obj(["schema": str()])])])])])
        paths["/openapi.json"] = obj(["get": op("This document", tag: "system", auth: false, responses: ["200": jsonResponse(obj(["type": "object"]))])])
        paths["/api/node"] = obj(["get": op("Node identity and version", tag: "system", responses: ["200": jsonResponse(ref("NodeInfo"))])])
        paths["/api/session"] = obj([
            "post": op("Log in", tag: "session", auth: false, body: ref("Login"),
                       responses: ["200": jsonResponse(ref("Session")), "401": errorResponse(), "429": errorResponse()]),
            "get": op("Current session (with optional=1: user null instead of 401 when there is none)", tag: "session",
                      parameters: [query("optional", "1: answer 200 with user null when not logged in")],
                      responses: ["200": jsonResponse(ref("Session"))]),
            "delete": op("Log out", tag: "session", responses: ["204": noContent()]),
        ])
        schemas["SearchCriteria"] = obj(["type": "object", "description": "Search criteria (Protocol.md §5): name, personal_id, unit_id, include_subunits, code lists (sex, ethnicity, religion, ngach, qualification, political_theory, state_management, it_level, employment_status, staff_category, position_code, general_education, academic_title), age_min, age_max, as_of, party_member, dates {field: {from, to}}, sort (name, birth_date, updated_at, unit), order (asc, desc), page, per_page"])
        let criteria = ref("SearchCriteria")
        paths["/api/search"] = obj(["post": op("Search dossiers in reach by any combination of criteria", tag: "dossiers", body: criteria,
                                               responses: ["200": jsonResponse(ref("DossierPage")), "422": errorResponse()])])
        paths["/api/search/export"] = obj(["post": op("Every dossier matching the criteria as CSV (UTF-8 with BOM, Vietnamese headers, dd/MM/yyyy, code names)",
                                                      tag: "dossiers", body: criteria,
                                                      responses: ["200": obj(["description": "CSV", "content": obj(["text/csv": obj(["schema": obj(["type": "string"])])])]),
                                                                  "422": errorResponse()])])
        let saved = obj(["type": "object", "properties": obj(["id": str(), "name": str(), "criteria": criteria, "created_at": str()])])
        paths["/api/searches"] = obj([
            "get": op("The user's saved searches", tag: "dossiers", responses: ["200": jsonResponse(obj(["type": "array", "items": saved]))]),
            "post": op("Save a search under a name (replaces one of the same name)", tag: "dossiers",
                       body: obj(["type": "object", "required": arr(["name", "criteria"]), "properties": obj(["name": str(), "criteria": criteria])]),
                       responses: ["201": jsonResponse(saved), "422": errorResponse()]),
        ])
        paths["/api/searches/{id}"] = obj(["delete": op("Delete a saved search of the user's", tag: "dossiers",
                                                        parameters: [obj(["name": "id", "in": "path", "required": true, "schema": obj(["type": "string"])])],
                                                        responses: ["204": noContent(), "404": errorResponse()])])
        paths["/api/schema"] = obj(["get": op("The dossier's kinds and fields (labels, types, limits, catalogues) and the roles with their permissions, for forms",
                                               tag: "system", responses: ["200": jsonResponse(obj(["type": "object"]))])])
        paths["/"] = obj(["get": op("The browser UI (HTML)", tag: "ui", auth: false,
                                    responses: ["200": obj(["description": "The application page", "content": obj(["text/html": obj(["schema": obj(["type": "string"])])])])])])
        paths["/ui/{file}"] = obj(["get": op("The browser UI's scripts, styles and icons", tag: "ui", auth: false,
                                             parameters: [obj(["name": "file", "in": "path", "required": true, "schema": obj(["type": "string"])])],
                                             responses: ["200": obj(["description": "The file", "content": obj(["*/*": obj(["schema": obj(["type": "string"])])])]),
                                                         "404": errorResponse()])])
        paths["/api/session/password"] = obj(["post": op("Change own password", tag: "session", body: ref("PasswordChange"),
                                                         responses: ["204": noContent(), "422": errorResponse()])])
        paths["/api/dossiers"] = obj([
            "get": op("List dossiers in reach", tag: "dossiers", parameters: [
                query("q", "Name (with or without diacritics) or start of personal id"), query("unit_id", "Unit"),
                query("include_subunits", "true/false", type: "boolean"), query("status", "employment_status code"),
                query("page", "1-based page", type: "integer"), query("per_page", "1-200", type: "integer"),
            ], responses: ["200": jsonResponse(ref("DossierPage"))]),
            "post": op("Create a whole dossier atomically", tag: "dossiers", body: ref("DossierInput"),
                       responses: ["201": jsonResponse(ref("Dossier")), "422": errorResponse()]),
        ])
        paths["/api/dossiers/{id}"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("Read a whole dossier (audited)", tag: "dossiers", responses: ["200": jsonResponse(ref("Dossier")), "404": errorResponse()]),
            "patch": op("Change person fields", tag: "dossiers", body: ref("PersonFields"),
                        responses: ["200": jsonResponse(ref("Dossier")), "422": errorResponse(), "404": errorResponse()]),
            "delete": op("Delete a dossier (admin)", tag: "dossiers", responses: ["204": noContent(), "404": errorResponse()]),
        ])
        for kind in DossierSchema.subRecordKinds {
            let segment = kind.pathSegment!
            let name = schemaName(kind)
            paths["/api/dossiers/{id}/\(segment)"] = obj([
                "parameters": arr([pathParam("id")]),
                "get": op("List \(kind.label)", tag: "dossiers", responses: ["200": jsonResponse(obj(["type": "array", "items": ref(name)])), "404": errorResponse()]),
                "post": op("Add a \(kind.label) row", tag: "dossiers", body: ref(name + "Fields"),
                           responses: ["201": jsonResponse(ref(name)), "422": errorResponse(), "404": errorResponse()]),
            ])
            paths["/api/dossiers/{id}/\(segment)/{rowId}"] = obj([
                "parameters": arr([pathParam("id"), pathParam("rowId")]),
                "get": op("Read a \(kind.label) row", tag: "dossiers", responses: ["200": jsonResponse(ref(name)), "404": errorResponse()]),
                "patch": op("Change a \(kind.label) row", tag: "dossiers", body: ref(name + "Fields"),
                            responses: ["200": jsonResponse(ref(name)), "422": errorResponse(), "404": errorResponse()]),
                "delete": op("Delete a \(kind.label) row", tag: "dossiers", responses: ["204": noContent(), "404": errorResponse()]),
            ])
        }
        paths["/api/units"] = obj([
            "get": op("Units tree (flat, with parent ids)", tag: "units", responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Unit")]))]),
            "post": op("Create a unit", tag: "units", body: ref("UnitInput"), responses: ["201": jsonResponse(ref("Unit")), "422": errorResponse()]),
        ])
        paths["/api/units/{id}"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("One unit", tag: "units", responses: ["200": jsonResponse(ref("Unit")), "404": errorResponse()]),
            "patch": op("Change a unit", tag: "units", body: ref("UnitInput"), responses: ["200": jsonResponse(ref("Unit")), "422": errorResponse()]),
        ])
        paths["/api/units/{id}/quotas"] = obj([
            "parameters": arr([pathParam("id")]),
            "put": op("Set a staffing quota (admin)", tag: "units", body: ref("Quota"), responses: ["204": noContent(), "422": errorResponse()]),
        ])
        paths["/api/staffing"] = obj(["get": op("Quotas vs headcount of employed people per unit and category, over/under flagged", tag: "reports",
                                                parameters: [query("year", "Year", type: "integer"), query("unit_id", "Root of the subtree (default: the user's unit or the province)")],
                                                responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Staffing")])), "404": errorResponse(), "422": errorResponse()])])
        paths["/api/catalogues"] = obj(["get": op("Catalogues", tag: "catalogues", responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Catalogue")]))])])
        paths["/api/catalogues/{id}"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("Entries of a catalogue", tag: "catalogues", responses: ["200": jsonResponse(obj(["type": "array", "items": ref("CatalogueEntry")])), "404": errorResponse()]),
        ])
        paths["/api/catalogues/{id}/entries/{code}"] = obj([
            "parameters": arr([pathParam("id"), pathParam("code")]),
            "put": op("Add or change an entry (admin)", tag: "catalogues", body: ref("CatalogueEntry"),
                      responses: ["200": jsonResponse(ref("CatalogueEntry")), "422": errorResponse()]),
        ])
        paths["/api/users"] = obj([
            "get": op("Accounts in reach", tag: "users", responses: ["200": jsonResponse(obj(["type": "array", "items": ref("User")]))]),
            "post": op("Create an account", tag: "users", body: ref("UserInput"), responses: ["201": jsonResponse(ref("User")), "422": errorResponse()]),
        ])
        paths["/api/users/{id}"] = obj([
            "parameters": arr([pathParam("id")]),
            "get": op("One account", tag: "users", responses: ["200": jsonResponse(ref("User")), "404": errorResponse()]),
            "patch": op("Change an account", tag: "users", body: ref("UserInput"), responses: ["200": jsonResponse(ref("User")), "422": errorResponse()]),
        ])
        paths["/api/users/{id}/password"] = obj([
            "parameters": arr([pathParam("id")]),
            "post": op("Reset a password (admin / unit HR)", tag: "users", body: ref("PasswordReset"), responses: ["204": noContent(), "422": errorResponse()]),
        ])
        paths["/api/audit"] = obj(["get": op("Audit log (admin)", tag: "audit", parameters: [
            query("person_id", "Dossier"), query("user_id", "Account"), query("action", "create/read/update/delete/login/..."),
            query("entity", "Table"), query("from", "ISO timestamp"), query("to", "ISO timestamp"),
            query("before", "Entries with id below", type: "integer"), query("limit", "1-1000", type: "integer"),
        ], responses: ["200": jsonResponse(obj(["type": "array", "items": ref("AuditEntry")]))])])
        paths["/api/backup"] = obj(["get": op("Download an online backup of the replica (admin)", tag: "system", responses: [
            "200": obj(["description": "SQLite database file", "content": obj(["application/vnd.sqlite3": obj(["schema": obj(["type": "string", "format": "binary"])])])]),
        ])])

        addReplication(paths: &paths, schemas: &schemas)
        addHandoffs(paths: &paths, schemas: &schemas)
        addReports(paths: &paths, schemas: &schemas)
        addImports(paths: &paths, schemas: &schemas)
        // Answers every operation can give: 404 where the path names a resource, and for
        // bodies 413 (too large) and 415 (not JSON).
        for (template, item) in paths {
            guard case .object(var operations) = item else { continue }
            for (method, operation) in operations where method != "parameters" {
                guard case .object(var op) = operation, case .object(var responses)? = op["responses"] else { continue }
                // A path naming a resource, or a `unit_id` (person_id) parameter naming one, may not exist.
                let namesResource = op["parameters"]?.arrayValue?.contains { ["unit_id", "person_id"].contains($0["name"].stringValue ?? "") } ?? false
                if (template.contains("{") || namesResource) && responses["404"] == nil { responses["404"] = errorResponse() }
                if op["requestBody"] != nil {
                    if responses["413"] == nil { responses["413"] = errorResponse() }
                    if responses["415"] == nil { responses["415"] = errorResponse() }
                }
                op["responses"] = .object(responses)
                operations[method] = .object(op)
            }
            paths[template] = .object(operations)
        }

        return obj([
            "openapi": "3.0.3",
            "info": obj(["title": "hoso node API", "version": .string(version),
                         "description": "Hồ sơ điện tử cán bộ, công chức, viên chức — API of one hoso node."]),
            "servers": arr([obj(["url": "/"])]),
            "components": obj([
                "schemas": .object(schemas),
                "securitySchemes": obj([
                    "bearer": obj(["type": "http", "scheme": "bearer"]),
                    "cookie": obj(["type": "apiKey", "in": "cookie", "name": "hoso_session"]),
                    "node": obj(["type": "apiKey", "in": "header", "name": "Authorization",
                                 "description": "Node credential: `HosoNode <node id>.<secret>` (sync endpoints only)"]),
                ]),
            ]),
            "security": .array([obj(["bearer": .array([])]), obj(["cookie": .array([])])]),
            "paths": .object(paths),
        ])
    }

    static func schemaName(_ kind: RecordKind) -> String {
        kind.name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func fieldSchema(_ field: FieldSpec) -> JSONValue {
        var s: JSONObject = ["description": .string(field.label), "nullable": .bool(!field.required)]
        switch field.type {
        case .text(let max): s["type"] = "string"; s["maxLength"] = .number(Double(max))
        case .date: s["type"] = "string"; s["format"] = "date"
        case .month: s["type"] = "string"; s["pattern"] = "^[0-9]{4}-[0-9]{2}$"
        case .year: s["type"] = "integer"; s["minimum"] = 1900; s["maximum"] = 2100
        case .integer(let min, let max): s["type"] = "integer"; s["minimum"] = .number(Double(min)); s["maximum"] = .number(Double(max))
        case .decimal(let min, let max): s["type"] = "number"; s["minimum"] = .number(min); s["maximum"] = .number(max)
        case .boolean: s["type"] = "boolean"
        case .code(let catalogue): s["type"] = "string"; s["description"] = .string("\(field.label) — mã danh mục \(catalogue.rawValue)")
        case .personalID: s["type"] = "string"; s["pattern"] = "^[0-9]{12}$"
        case .choice(let options): s["type"] = "string"; s["enum"] = .array(options.map(JSONValue.string))
        }
        return .object(s)
    }

    static func fieldsSchema(_ kind: RecordKind, forInput: Bool) -> JSONValue {
        var properties: JSONObject = [:]
        for field in kind.fields { properties[field.name] = fieldSchema(field) }
        return obj(["type": "object", "additionalProperties": .bool(false), "properties": .object(properties)])
    }

    static func recordSchema(_ kind: RecordKind) -> JSONValue {
        var properties: JSONObject = [:]
        for field in kind.fields { properties[field.name] = fieldSchema(field) }
        properties["id"] = str()
        properties[kind.isSubRecord ? "person_id" : "unit_id"] = str()
        properties["version"] = obj(["type": "object", "additionalProperties": obj(["type": "integer"])])
        properties["created_at"] = str()
        properties["updated_at"] = str()
        return obj(["type": "object", "properties": .object(properties)])
    }

    // MARK: Builders

    static func obj(_ o: JSONObject) -> JSONValue { .object(o) }
    static func arr(_ a: [String]) -> JSONValue { .array(a.map(JSONValue.string)) }
    static func arr(_ a: [JSONValue]) -> JSONValue { .array(a) }
    static func str() -> JSONValue { obj(["type": "string"]) }
    static func nullable(_ s: JSONValue) -> JSONValue {
        guard case .object(var o) = s else { return s }
        o["nullable"] = .bool(true)
        return .object(o)
    }
    static func ref(_ name: String) -> JSONValue { obj(["$ref": .string("#/components/schemas/\(name)")]) }
    static func jsonResponse(_ schema: JSONValue) -> JSONValue {
        obj(["description": "OK", "content": obj(["application/json": obj(["schema": schema])])])
    }
    static func errorResponse() -> JSONValue {
        obj(["description": "Error", "content": obj(["application/json": obj(["schema": ref("Error")])])])
    }
    static func noContent() -> JSONValue { obj(["description": "No content"]) }
    static func pathParam(_ name: String) -> JSONValue {
        obj(["name": .string(name), "in": "path", "required": .bool(true), "schema": str()])
    }
    static func query(_ name: String, _ description: String, type: String = "string") -> JSONValue {
        obj(["name": .string(name), "in": "query", "required": .bool(false), "description": .string(description), "schema": obj(["type": .string(type)])])
    }
    static func op(_ summary: String, tag: String, auth: Bool = true, parameters: [JSONValue] = [], body: JSONValue? = nil,
                   responses: JSONObject) -> JSONValue {
        var o: JSONObject = ["summary": .string(summary), "tags": arr([tag])]
        var responses = responses
        if auth {
            responses["401"] = errorResponse()
            responses["403"] = errorResponse()
        } else {
            o["security"] = .array([])
        }
        responses["400"] = errorResponse()
        o["responses"] = .object(responses)
        if !parameters.isEmpty { o["parameters"] = .array(parameters) }
        if let body {
            o["requestBody"] = obj(["required": .bool(true), "content": obj(["application/json": obj(["schema": body])])])
        }
        return .object(o)
    }
}

/// The version of this hoso build.
public enum HosoVersion {
    public static let current = "0.1.0"
}
