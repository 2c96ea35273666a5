import Dispatch
import Foundation
import HosoDomain
import HosoHTTP
import HosoSQLite

/// The authenticated principal of a request, set by `AuthMiddleware`.
enum PrincipalKey: RequestAttributeKey { typealias Value = Principal }
/// The resolved session of a cookie- or bearer-authenticated request.
enum SessionKey: RequestAttributeKey { typealias Value = ResolvedSession }
/// The request id, set by `RequestLogMiddleware`.
enum RequestIDKey: RequestAttributeKey { typealias Value = String }

extension HTTPRequest {
    /// The authenticated principal, or 401.
    func principal() throws -> Principal {
        guard var principal = attributes[PrincipalKey.self] else {
            throw NodeError(.unauthorized, "unauthenticated", "Chưa đăng nhập hoặc phiên làm việc đã hết hạn.")
        }
        principal.client = clientDescription
        principal.requestID = attributes[RequestIDKey.self]
        return principal
    }

    /// Client address and user agent for the audit trail.
    var clientDescription: String {
        let agent = headers["User-Agent"].map { String($0.prefix(120)) } ?? "-"
        return "\(remoteAddress ?? "local") \(agent)"
    }

    /// The body as a JSON object. Refuses a wrong media type (415), invalid UTF-8, invalid
    /// JSON or a non-object body (400), with a message that says which.
    func jsonObject() throws -> JSONObject {
        guard mediaType == "application/json" else {
            throw NodeError(.badRequest, "unsupported_media_type", "Nội dung phải là JSON (Content-Type: application/json).")
        }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw NodeError.badRequest("invalid_utf8", "Nội dung không phải UTF-8 hợp lệ.")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(utf8: body) }
        catch let error as JSONValue.ParseError {
            throw NodeError.badRequest("invalid_json", "Nội dung không phải JSON hợp lệ (byte \(error.offset): \(error.reason)).")
        }
        guard case .object(let object) = value else {
            throw NodeError.badRequest("invalid_json", "Nội dung phải là một đối tượng JSON, không phải \(value.typeName).")
        }
        return object
    }

    /// Decodes a typed body after checking it has only `allowed` keys.
    func decode<T: Decodable>(_ type: T.Type, allowed: Set<String>) throws -> T {
        let object = try jsonObject()
        let unknown = Set(object.keys).subtracting(allowed).sorted()
        if !unknown.isEmpty {
            throw NodeError.validation(unknown.map { FieldError(field: $0, code: "unknown_field", message: "Trường '\($0)' không được hỗ trợ.") })
        }
        do { return try JSONDecoder().decode(T.self, from: Data(body)) }
        catch let DecodingError.typeMismatch(_, context) {
            throw NodeError.validation([FieldError(field: Self.path(context.codingPath), code: "invalid_type", message: "Kiểu dữ liệu không đúng.")])
        } catch let DecodingError.valueNotFound(_, context) {
            throw NodeError.validation([FieldError(field: Self.path(context.codingPath), code: "invalid_type", message: "Giá trị không được để trống.")])
        } catch let DecodingError.keyNotFound(key, context) {
            throw NodeError.validation([FieldError(field: Self.path(context.codingPath + [key]), code: "required", message: "Thiếu trường bắt buộc.")])
        } catch let DecodingError.dataCorrupted(context) {
            throw NodeError.validation([FieldError(field: Self.path(context.codingPath), code: "invalid_format", message: "Giá trị không hợp lệ.")])
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// An integer query parameter, or 400.
    func intQuery(_ name: String, default value: Int) throws -> Int {
        guard let text = query[name], !text.isEmpty else { return value }
        guard let n = Int(text) else { throw NodeError.badRequest("invalid_query", "Tham số '\(name)' phải là số nguyên.") }
        return n
    }
}

extension RouteParameters {
    func value(_ name: String) throws -> String {
        guard let v = self[name], !v.isEmpty else { throw NodeError.badRequest("missing_parameter", "Thiếu tham số \(name).") }
        return v
    }
}

/// Response bodies.
enum APIResponse {
    static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: Array(value.jsonString().utf8))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: Array(try encoder.encode(value)))
    }

    /// The JSON error body for any error a handler throws. Client mistakes get 4xx with a
    /// clear code; storage trouble gets 503/507 (retryable); anything else a 500 that
    /// reveals nothing.
    static func error(_ error: Error) -> HTTPResponse {
        let status: HTTPStatus
        var body: JSONObject
        switch error {
        case let e as NodeError:
            status = switch e.kind {
            case .badRequest: e.code == "unsupported_media_type" ? HTTPStatus(code: 415, reason: "Unsupported Media Type") : .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .validation: HTTPStatus(code: 422, reason: "Unprocessable Content")
            case .locked, .tooManyRequests: HTTPStatus(code: 429, reason: "Too Many Requests")
            case .unavailable: HTTPStatus(code: 503, reason: "Service Unavailable")
            case .payloadTooLarge: .payloadTooLarge
            }
            body = ["code": .string(e.code), "message": .string(e.message)]
            if !e.fieldErrors.isEmpty {
                body["fields"] = .array(e.fieldErrors.map { .object(["field": .string($0.field), "code": .string($0.code), "message": .string($0.message)]) })
            }
        case let e as ValidationError:
            return self.error(NodeError.validation(e.errors))
        case let e as HTTPError:
            return e.response
        case let e as SQLiteError where e.isDiskFull:
            status = HTTPStatus(code: 507, reason: "Insufficient Storage")
            body = ["code": "disk_full", "message": "Máy chủ hết dung lượng đĩa; thay đổi chưa được lưu. Hãy báo quản trị."]
        case let e as SQLiteError where e.isBusy:
            status = HTTPStatus(code: 503, reason: "Service Unavailable")
            body = ["code": "busy", "message": "Cơ sở dữ liệu đang bận; hãy thử lại."]
        default:
            status = .internalServerError
            body = ["code": "internal", "message": "Lỗi máy chủ; thay đổi chưa được lưu."]
        }
        return json(.object(["error": .object(body)]), status: status)
    }
}

/// Runs blocking work (SQLite calls, password hashing) off Swift's cooperative thread
/// pool, which on a 2-core machine has only two threads.
func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// Runs blocking work that cannot fail off the cooperative pool.
func offloadedQuietly(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { body(); continuation.resume() }
    }
}
