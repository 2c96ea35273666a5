import HosoDomain

extension OpenAPIDocument {
    /// Imports (a dossier package, or a CSV/XLSX staff list checked and imported in bulk)
    /// and the export for the national database (NĐ 27/2026).
    static func addImports(paths: inout JSONObject, schemas: inout JSONObject) {
        let integer = obj(["type": "integer"])
        let issue = ref("ImportIssue")
        schemas["ImportIssue"] = obj(["type": "object", "required": arr(["code", "message"]), "properties": obj([
            "row": nullable(integer), "column": nullable(obj(["type": "string", "description": "Column letter (A, B, …)"])),
            "header": nullable(str()), "field": nullable(str()),
            "code": obj(["type": "string", "description": "The validator's codes (required, invalid_format, unknown_code, …) and the import's: missing_column, duplicate_column, no_header, duplicate_in_file, missing_unit, unit_not_found, unit_ambiguous, unit_mismatch, unit_out_of_scope, not_served_here, dossier_out_of_scope, use_transfer, frozen_in_handoff, archived, transferred_out; warnings: unknown_column, update_only, no_unit, notice, existing_elsewhere, name_differs"]),
            "message": obj(["type": "string", "description": "In Vietnamese"]),
        ])])
        schemas["ImportReport"] = obj(["type": "object", "required": arr(["format", "dry_run", "committed", "existing", "columns", "totals", "file_errors", "file_warnings", "rows"]),
                                       "properties": obj([
            "format": obj(["type": "string", "enum": arr(["csv", "xlsx"])]), "sheet": nullable(str()),
            "dry_run": obj(["type": "boolean"]), "committed": obj(["type": "boolean"]),
            "existing": obj(["type": "string", "enum": arr(["update", "skip"])]), "header_row": nullable(integer),
            "columns": obj(["type": "array", "items": obj(["type": "object", "required": arr(["column", "header", "status"]), "properties": obj([
                "column": str(), "header": str(), "field": nullable(str()), "label": nullable(str()),
                "status": obj(["type": "string", "enum": arr(["field", "unit", "ignored", "unknown"])]),
            ])])]),
            "totals": obj(["type": "object", "properties": obj([
                "rows": integer, "valid": integer, "invalid": integer, "create": integer, "update": integer, "unchanged": integer,
                "skip": integer, "errors": integer, "warnings": integer,
            ])]),
            "file_errors": obj(["type": "array", "items": issue]), "file_warnings": obj(["type": "array", "items": issue]),
            "rows": obj(["type": "array", "items": obj(["type": "object", "required": arr(["row", "action", "changed_fields", "errors", "warnings"]), "properties": obj([
                "row": integer, "action": obj(["type": "string", "enum": arr(["create", "update", "unchanged", "skip", "error"])]),
                "personal_id": nullable(str()), "full_name": nullable(str()), "unit_id": nullable(str()), "unit_name": nullable(str()),
                "dossier_id": nullable(str()), "changed_fields": obj(["type": "array", "items": str()]),
                "errors": obj(["type": "array", "items": issue]), "warnings": obj(["type": "array", "items": issue]),
            ])])]),
        ])])
        schemas["ImportFailure"] = obj(["type": "object", "required": arr(["error"]),
                                        "description": "An error; a refused spreadsheet commit also carries the report of every problem (nothing was written).",
                                        "properties": obj([
            "error": obj(["type": "object", "required": arr(["code", "message"]), "properties": obj([
                "code": str(), "message": str(), "fields": obj(["type": "array", "items": ref("FieldError")]),
            ])]),
            "report": ref("ImportReport"),
        ])])
        let binary = obj(["type": "string", "format": "binary"])
        paths["/api/imports"] = obj(["post": [
            "summary": "Import: a dossier package (application/json, creates one dossier in unit_id, 201), or a staff list as CSV or XLSX (dry run by default: every row checked and reported, nothing written; dry_run=false writes all rows in one transaction or, if any row has an error, nothing: 422 with the report). HR and admins, into units in their reach; rows are matched to dossiers by personal id.",
            "tags": arr(["imports"]),
            "parameters": .array([
                query("unit_id", "Package: the receiving unit (required). Spreadsheet: the unit of rows without a unit column or cell"),
                query("dry_run", "Spreadsheet: true (default) checks and reports only; false imports", type: "boolean"),
                obj(["name": "existing", "in": "query", "required": false, "description": "Spreadsheet: a row whose personal id already has a dossier updates it (update, default; empty cells change nothing) or is left out (skip)",
                     "schema": obj(["type": "string", "enum": arr(["update", "skip"])])]),
                query("sheet", "XLSX: the worksheet to read (default: the first)"),
                query("file_name", "The uploaded file's name, for the audit log"),
            ]),
            "requestBody": obj(["required": true, "content": obj([
                "application/json": obj(["schema": ref("ExportPackage")]),
                "text/csv": obj(["schema": obj(["type": "string", "description": "UTF-8 (BOM optional); separator , ; or tab; a header row naming the 2C fields (README: Import)"])]),
                SpreadsheetImportOptions.xlsxMediaType: obj(["schema": binary]),
            ])]),
            "responses": obj([
                "200": jsonResponse(ref("ImportReport")),
                "201": obj(["description": "Package imported: the new dossier", "content": obj(["application/json": obj(["schema": ref("Dossier")])])]),
                "400": errorResponse(), "401": errorResponse(), "403": errorResponse(), "404": errorResponse(), "409": errorResponse(),
                "413": errorResponse(), "415": errorResponse(),
                "422": obj(["description": "Invalid", "content": obj(["application/json": obj(["schema": ref("ImportFailure")])])]),
            ]),
        ]])

        schemas["NationalExportRejection"] = obj(["type": "object", "properties": obj([
            "dossier_id": str(), "full_name": str(), "birth_date": nullable(obj(["type": "string", "format": "date"])), "unit_code": str(),
            "unit_name": str(), "personal_id": nullable(str()),
            "code": obj(["type": "string", "enum": arr(["missing_personal_id", "invalid_personal_id", "inconsistent_personal_id", "duplicate_personal_id"])]),
            "reason": str(),
        ])])
        schemas["NationalExportSummary"] = obj(["type": "object", "properties": obj([
            "format": str(), "generated_at": str(), "unit_id": nullable(str()), "exported": integer, "excluded_moved_out": integer,
            "rejected": obj(["type": "array", "items": ref("NationalExportRejection")]),
        ])])
        let scope = query("unit_id", "Only this unit and the units below it (default: everything in the replica)")
        paths["/api/exports/national"] = obj(["get": op(
            "The national CBCCVC database export (NĐ 27/2026): JSON Lines, one record per person keyed by the 12-digit personal id (so_dinh_danh), fields in the decree's 10 groups (README: National export). Dossiers without a valid, unique personal id are not in it: see /api/exports/national/rejected. Province leaders and admins; audited.",
            tag: "imports", parameters: [scope],
            responses: ["200": obj(["description": "JSON Lines; headers X-Hoso-Exported, X-Hoso-Rejected, X-Hoso-Excluded give the counts",
                                    "content": obj(["application/x-ndjson": obj(["schema": str()])])]),
                        "404": errorResponse()])])
        paths["/api/exports/national/rejected"] = obj(["get": op(
            "The dossiers the national export leaves out (no personal id, malformed, inconsistent with the birth date or sex, or shared), with the reason; JSON, or CSV for Excel (dates dd/MM/yyyy). Province leaders and admins.",
            tag: "imports",
            parameters: [scope, obj(["name": "format", "in": "query", "required": false, "schema": obj(["type": "string", "enum": arr(["json", "csv"])])])],
            responses: ["200": obj(["description": "The summary with the rejected dossiers", "content": obj([
                "application/json": obj(["schema": ref("NationalExportSummary")]),
                "text/csv": obj(["schema": str()]),
            ])]), "404": errorResponse()])])
    }
}
