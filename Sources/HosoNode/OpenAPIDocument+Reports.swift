import HosoDomain

extension OpenAPIDocument {
    /// Reports (issue 6): TT 11/2012 forms, staffing, alerts, the report builder, jobs.
    static func addReports(paths: inout JSONObject, schemas: inout JSONObject) {
        let reportIDs = arr(ReportRequest.reports.map(\.id))
        let formats = arr(ReportFormat.allCases.map(\.rawValue))
        let kinds = arr(AlertKind.allCases.map(\.rawValue))
        schemas["ReportTable"] = obj(["type": "object", "properties": obj([
            "id": str(), "form": str(), "basis": str(), "title": str(), "lines": obj(["type": "array", "items": str()]),
            "columns": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                "key": str(), "label": str(), "kind": obj(["type": "string", "enum": arr(["text", "integer", "decimal"])])])])]),
            "header": obj(["type": "array", "items": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                "label": str(), "colspan": obj(["type": "integer"]), "rowspan": obj(["type": "integer"])])])])]),
            "rows": obj(["type": "array", "items": obj(["type": "array", "items": obj([:])])]),
            "total": obj(["type": "array", "items": obj([:])]), "notes": obj(["type": "array", "items": str()]),
        ])])
        schemas["CustomReport"] = obj(["type": "object", "additionalProperties": .bool(false), "properties": obj([
            "criteria": ref("SearchCriteria"),
            "group_by": obj(["type": "array", "maxItems": 2, "items": obj(["type": "string", "enum": arr(CustomReportRequest.dimensions.keys.sorted())])]),
            "columns": obj(["type": "array", "maxItems": 40, "items": str(),
                            "description": .string("Person fields of the schema, or: \(CustomReportRequest.computedColumns.keys.sorted().joined(separator: ", "))")]),
            "title": obj(["type": "string", "maxLength": 200]), "as_of": obj(["type": "string", "format": "date"]),
        ])])
        let requestProperties: JSONObject = [
            "unit_id": str(), "as_of": obj(["type": "string", "description": "yyyy-MM-dd or dd/MM/yyyy; default today"]),
            "year": obj(["type": "integer", "minimum": 2000, "maximum": 2100]), "horizon_days": obj(["type": "integer", "minimum": 0, "maximum": 3650]),
            "kinds": obj(["type": "array", "items": obj(["type": "string", "enum": kinds])]),
            "format": obj(["type": "string", "enum": formats]), "custom": ref("CustomReport"),
        ]
        var jobRequest = requestProperties
        jobRequest["report"] = obj(["type": "string", "enum": reportIDs])
        schemas["ReportRequest"] = obj(["type": "object", "additionalProperties": .bool(false), "properties": .object(requestProperties)])
        schemas["ReportJobRequest"] = obj(["type": "object", "required": arr(["report"]), "additionalProperties": .bool(false), "properties": .object(jobRequest)])
        schemas["ReportJob"] = obj(["type": "object", "properties": obj([
            "id": str(), "report": str(), "format": str(),
            "status": obj(["type": "string", "enum": arr(["queued", "running", "done", "failed", "cancelled"])]),
            "phase": str(), "progress": obj(["type": "number", "minimum": 0, "maximum": 1]), "created_at": str(), "finished_at": nullable(str()),
            "rows": nullable(obj(["type": "integer"])), "size": nullable(obj(["type": "integer"])), "filename": nullable(str()), "error": nullable(str()),
        ])])
        schemas["Alert"] = obj(["type": "object", "properties": obj([
            "kind": obj(["type": "string", "enum": kinds]), "kind_name": str(), "person_id": str(), "person_name": str(), "unit_id": str(),
            "unit_name": str(), "due_date": obj(["type": "string", "format": "date"]), "days_left": obj(["type": "integer"]),
            "overdue": obj(["type": "boolean"]), "detail": str(),
        ])])
        let file = obj(["description": "The report: JSON (ReportTable), printable HTML, CSV (UTF-8 with BOM) or XLSX", "content": obj([
            "application/json": obj(["schema": ref("ReportTable")]), "text/html": obj(["schema": str()]), "text/csv": obj(["schema": str()]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj(["schema": obj(["type": "string", "format": "binary"])]),
        ])])
        let queryParameters = [query("unit_id", "Root of the subtree (default: the user's unit or the province)"), query("as_of", "Report date"),
                               query("year", "Year (staffing)", type: "integer"), query("horizon_days", "Days ahead (alerts)", type: "integer"),
                               query("kinds", "Comma-separated alert kinds"), query("format", "json, html, csv or xlsx")]
        paths["/api/reports"] = obj(["get": op("The reports this node produces", tag: "reports",
                                              responses: ["200": jsonResponse(obj(["type": "array", "items": obj(["type": "object", "properties": obj(["id": str(), "title": str()])])]))])])
        paths["/api/reports/{id}"] = obj([
            "parameters": arr([obj(["name": "id", "in": "path", "required": true, "schema": obj(["type": "string", "enum": reportIDs])])]),
            "get": op("Produce a report now (TT 11/2012 bm01–bm04, staffing, alerts) for a unit subtree as of a date", tag: "reports",
                      parameters: queryParameters, responses: ["200": file, "404": errorResponse(), "422": errorResponse()]),
            "post": op("Produce a report now, parameters in the body (the report builder: id custom)", tag: "reports", body: ref("ReportRequest"),
                       responses: ["200": file, "404": errorResponse(), "422": errorResponse()]),
        ])
        paths["/api/alerts"] = obj(["get": op("Alerts due within the horizon or overdue, for a unit subtree", tag: "reports", parameters: queryParameters,
                                             responses: ["200": jsonResponse(obj(["type": "array", "items": ref("Alert")])), "422": errorResponse()])])
        paths["/api/compliance"] = obj(["get": op("Per unit: late new dossiers, late changes, overdue transfers out/in; next report due dates", tag: "reports",
                                                 parameters: [query("unit_id", "Root of the subtree"), query("as_of", "Date")],
                                                 responses: ["200": jsonResponse(obj(["type": "object", "properties": obj([
                                                     "as_of": str(), "report_due": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                                                         "due_date": str(), "days_left": obj(["type": "integer"])])])]),
                                                     "units": obj(["type": "array", "items": obj(["type": "object", "properties": obj([
                                                         "unit_id": str(), "unit_name": str(), "depth": obj(["type": "integer"]), "dossiers": obj(["type": "integer"]),
                                                         "late_new": obj(["type": "integer"]), "late_changes": obj(["type": "integer"]),
                                                         "handoffs_overdue_out": obj(["type": "integer"]), "handoffs_overdue_in": obj(["type": "integer"])])])])])])),
                                                             "422": errorResponse()])])
        paths["/api/report-jobs"] = obj([
            "get": op("The user's report jobs (kept an hour after they finish)", tag: "reports", responses: ["200": jsonResponse(obj(["type": "array", "items": ref("ReportJob")]))]),
            "post": op("Produce a report in the background; poll the job, then fetch its result", tag: "reports", body: ref("ReportJobRequest"),
                       responses: ["202": jsonResponse(ref("ReportJob")), "422": errorResponse(), "429": errorResponse()]),
        ])
        paths["/api/report-jobs/{id}"] = obj([
            "parameters": arr([obj(["name": "id", "in": "path", "required": true, "schema": str()])]),
            "get": op("A report job's status and progress", tag: "reports", responses: ["200": jsonResponse(ref("ReportJob")), "404": errorResponse()]),
            "delete": op("Cancel a running job, or forget a finished one", tag: "reports", responses: ["204": noContent(), "404": errorResponse()]),
        ])
        paths["/api/report-jobs/{id}/result"] = obj([
            "parameters": arr([obj(["name": "id", "in": "path", "required": true, "schema": str()])]),
            "get": op("The finished report's file", tag: "reports", responses: ["200": file, "404": errorResponse(), "409": errorResponse()]),
        ])
    }
}
