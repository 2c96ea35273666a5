import Foundation
import HosoDomain
import HosoHTTP

/// Gives every request an id (echoed as `X-Request-Id`) and logs one line per request:
/// method, path without query, status, duration. No bodies, no query strings.
struct RequestLogMiddleware: HTTPMiddleware {
    let log: Log
    let metrics: Metrics

    func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws -> HTTPResponse {
        var request = request
        let id = RecordID.token(byteCount: 8)
        request.attributes[RequestIDKey.self] = id
        let start = DispatchTime.now().uptimeNanoseconds
        var response: HTTPResponse
        do {
            response = try await next(request)
        } catch {
            log.error("handler_error", ["request_id": id, "error_type": String(describing: type(of: error))])
            response = APIResponse.error(error)
        }
        response.headers.set(name: "X-Request-Id", value: id)
        let millis = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        metrics.add("hoso_http_requests_total", ["method": request.method.rawValue, "code": String(response.status.code)])
        metrics.observe("hoso_http_request_duration_seconds", millis / 1000)
        log.info("request", ["request_id": id, "method": request.method.rawValue, "path": request.path,
                             "status": String(response.status.code), "ms": String(format: "%.1f", millis),
                             "user": request.attributes[PrincipalKey.self]?.userID ?? "-"])
        return response
    }
}
