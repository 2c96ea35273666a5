import Foundation
import HosoDomain
import HosoHTTP

extension NodeAPI {
    /// Reports (issue 6): the TT 11/2012 forms, staffing, alerts and the report builder,
    /// produced at once or as background jobs, as JSON, printable HTML, CSV or XLSX.
    func addReportRoutes(_ router: Router) {
        let store = self.store

        router.get("/api/reports", authed { _, _, principal in
            try principal.require(.reports)
            return APIResponse.json(.array(ReportRequest.reports.map { .object(["id": .string($0.id), "title": .string($0.title)]) }))
        })
        router.get("/api/reports/:id", authed { request, p, principal in
            Self.reportResponse(try store.renderReport(principal, try ReportRequest(report: try p.value("id"), query: request.query)))
        })
        router.post("/api/reports/:id", authed { request, p, principal in
            Self.reportResponse(try store.renderReport(principal, try ReportRequest(report: try p.value("id"), json: try Self.optionalObject(request))))
        })
        router.get("/api/staffing", authed { request, _, principal in
            let year = try request.intQuery("year", default: CalendarDate.today().year)
            return try APIResponse.json(try store.staffingRows(principal, unitID: request.query["unit_id"].flatMap { $0.isEmpty ? nil : $0 }, year: year))
        })
        router.get("/api/compliance", authed { request, _, principal in
            let r = try ReportRequest(report: "compliance", query: request.query)
            let result = try store.compliance(principal, unitID: r.unitID, asOf: r.asOf)
            struct Body: Encodable { var as_of: String; var report_due: [ReportDueDTO]; var units: [ComplianceRowDTO] }
            return try APIResponse.json(Body(as_of: r.asOf.iso, report_due: result.due, units: result.rows))
        })
        router.get("/api/alerts", authed { request, _, principal in
            let r = try ReportRequest(report: "alerts", query: request.query)
            return try APIResponse.json(try store.alerts(principal, unitID: r.unitID, asOf: r.asOf, horizonDays: r.horizonDays, kinds: r.kinds))
        })

        // Background jobs: POST returns 202 at once; poll the job, then fetch its result.
        router.post("/api/report-jobs", authed { request, _, principal in
            try principal.require(.reports)
            let r = try ReportRequest(report: nil, json: try request.jsonObject())
            let owner = principal.userID ?? principal.username
            let job = try store.reportJobs.submit(owner: owner, report: r.report, format: r.format.rawValue) { progress in
                try store.renderReport(principal, r, progress: progress)
            }
            var response = try APIResponse.json(job, status: .accepted)
            response.headers.set(name: "Location", value: "/api/report-jobs/\(job.id)")
            return response
        })
        router.get("/api/report-jobs", authed { _, _, principal in
            try principal.require(.reports)
            return try APIResponse.json(store.reportJobs.jobs(owner: principal.userID ?? principal.username))
        })
        router.get("/api/report-jobs/:id", authed { _, p, principal in
            try APIResponse.json(try store.reportJobs.job(try p.value("id"), owner: principal.userID ?? principal.username))
        })
        router.get("/api/report-jobs/:id/result", authed { _, p, principal in
            Self.reportResponse(try store.reportJobs.result(try p.value("id"), owner: principal.userID ?? principal.username), download: true)
        })
        router.delete("/api/report-jobs/:id", authed { _, p, principal in
            try store.reportJobs.cancel(try p.value("id"), owner: principal.userID ?? principal.username)
            return HTTPResponse(status: .noContent)
        })
    }

    static func optionalObject(_ request: HTTPRequest) throws -> JSONObject {
        request.body.isEmpty ? [:] : try request.jsonObject()
    }

    /// A report as a response: HTML shown in the browser (its own CSP: styles, no
    /// scripts), other formats as downloads.
    static func reportResponse(_ output: ReportOutput, download: Bool = false) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": output.contentType]
        if output.contentType.hasPrefix("text/html") {
            headers.set(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
            if download { headers.set(name: "Content-Disposition", value: "attachment; filename=\"\(output.filename)\"") }
        } else if !output.contentType.hasPrefix("application/json") || download {
            headers.set(name: "Content-Disposition", value: "attachment; filename=\"\(output.filename)\"")
        }
        return HTTPResponse(status: .ok, headers: headers, body: output.bytes)
    }
}
