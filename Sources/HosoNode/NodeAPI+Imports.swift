import Foundation
import HosoDomain
import HosoHTTP

extension NodeAPI {
    /// Media types read as CSV: what browsers and spreadsheet programs label `.csv` files
    /// with (Windows with Excel installed says `application/vnd.ms-excel`).
    static let csvMediaTypes: Set<String> = ["text/csv", "text/plain", "application/csv", "text/comma-separated-values", "application/vnd.ms-excel"]

    /// Imports (packages of one dossier, spreadsheets of many) and the national export.
    func addImportRoutes(_ router: Router) {
        let store = self.store
        // One endpoint, three kinds of file, told apart by their media type.
        router.post("/api/imports", authed { request, _, principal in
            let type = request.mediaType ?? ""
            if type == "application/json" {
                guard let unit = request.query["unit_id"], !unit.isEmpty else {
                    throw NodeError.validation([FieldError(field: "unit_id", code: "required", message: "Cần chọn đơn vị nhận hồ sơ (?unit_id=).")])
                }
                return APIResponse.json(.object(try store.importPackage(principal, .object(try request.jsonObject()), unitID: unit)), status: .created)
            }
            let format: SpreadsheetImportOptions.Format
            if Self.csvMediaTypes.contains(type) { format = .csv }
            else if type == SpreadsheetImportOptions.xlsxMediaType { format = .xlsx }
            else if type == "application/octet-stream" { format = SpreadsheetImportOptions.sniff(request.body) }
            else {
                throw NodeError(.badRequest, "unsupported_media_type",
                                "Gửi tệp CSV (Content-Type: text/csv), Excel (\(SpreadsheetImportOptions.xlsxMediaType)) hoặc gói hồ sơ JSON (application/json).")
            }
            let options = try Self.importOptions(request, format: format)
            do {
                return try APIResponse.json(try store.importSpreadsheet(principal, request.body, options))
            } catch let rejected as ImportRejected {
                struct Failure: Encodable {
                    struct Body: Encodable { var code: String; var message: String }
                    var error: Body
                    var report: ImportReport
                }
                return try APIResponse.json(Failure(error: .init(code: "import_rejected", message: rejected.message), report: rejected.report),
                                            status: HTTPStatus(code: 422, reason: "Unprocessable Content"))
            }
        })
        // The national database export (NĐ 27/2026): JSON Lines, one person per line.
        router.get("/api/exports/national", authed { request, _, principal in
            var body: [UInt8] = []
            let summary = try store.exportNational(principal, unitID: Self.optionalQuery(request, "unit_id")) { line in
                body.append(contentsOf: line.utf8)
                body.append(0x0A)
            }
            let stamp = CalendarDate.today().iso.replacingOccurrences(of: "-", with: "")
            return HTTPResponse(status: .ok, headers: [
                "Content-Type": "application/x-ndjson; charset=utf-8",
                "Content-Disposition": "attachment; filename=\"csdlqg-cbccvc-\(stamp).jsonl\"",
                "X-Hoso-Exported": String(summary.exported), "X-Hoso-Rejected": String(summary.rejected.count),
                "X-Hoso-Excluded": String(summary.excluded_moved_out),
            ], body: body)
        })
        router.get("/api/exports/national/rejected", authed { request, _, principal in
            let format = request.query["format"] ?? "json"
            guard format == "json" || format == "csv" else { throw NodeError.badRequest("invalid_query", "Tham số 'format' là json hoặc csv.") }
            let summary = try store.exportNational(principal, unitID: Self.optionalQuery(request, "unit_id")) { _ in }
            if format == "csv" {
                return HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8",
                                                           "Content-Disposition": "attachment; filename=\"csdlqg-ho-so-loi.csv\""],
                                    body: summary.rejectedCSV())
            }
            return try APIResponse.json(summary)
        })
    }

    static func optionalQuery(_ request: HTTPRequest, _ name: String) -> String? {
        guard let value = request.query[name], !value.isEmpty else { return nil }
        return value
    }

    /// `dry_run` (default true), `unit_id`, `sheet`, `existing`, `file_name`.
    static func importOptions(_ request: HTTPRequest, format: SpreadsheetImportOptions.Format) throws -> SpreadsheetImportOptions {
        var commit = false
        switch request.query["dry_run"]?.lowercased() {
        case nil, "", "true", "1": commit = false
        case "false", "0": commit = true
        default: throw NodeError.badRequest("invalid_query", "Tham số 'dry_run' là true (kiểm tra thử, mặc định) hoặc false (nhập thật).")
        }
        var existing = SpreadsheetImportOptions.Existing.update
        if let text = optionalQuery(request, "existing") {
            guard let value = SpreadsheetImportOptions.Existing(rawValue: text) else {
                throw NodeError.badRequest("invalid_query", "Tham số 'existing' là update (cập nhật hồ sơ đã có) hoặc skip (bỏ qua).")
            }
            existing = value
        }
        return SpreadsheetImportOptions(format: format, commit: commit, defaultUnitID: optionalQuery(request, "unit_id"),
                                        sheet: optionalQuery(request, "sheet"), existing: existing,
                                        fileName: optionalQuery(request, "file_name"))
    }
}
