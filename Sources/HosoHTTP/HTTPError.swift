import Foundation

/// An error a handler throws to answer with a specific status and a JSON body
/// `{"error":{"code":…,"message":…,"details":…}}`.
///
/// `code` is stable and machine-readable (`not_found`, `invalid_json`…); `message` is
/// for people and may be Vietnamese; `details` carries structured extras such as the
/// offending field.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPStatus
    /// Machine-readable code, snake_case.
    public var code: String
    /// Human-readable message.
    public var message: String
    /// Optional structured details (field name, reason…).
    public var details: [String: String]?
    /// Extra response headers, e.g. `Allow` for 405 or `Retry-After` for 429/503.
    public var headers: HTTPHeaders

    /// Creates an error.
    public init(_ status: HTTPStatus, code: String, message: String,
                details: [String: String]? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    /// 400 with a specific code.
    public static func badRequest(_ code: String = "bad_request", _ message: String,
                                  details: [String: String]? = nil) -> HTTPError {
        HTTPError(.badRequest, code: code, message: message, details: details)
    }

    /// 401 `unauthorized`.
    public static func unauthorized(_ message: String = "Chưa đăng nhập") -> HTTPError {
        HTTPError(.unauthorized, code: "unauthorized", message: message)
    }

    /// 403 `forbidden`.
    public static func forbidden(_ message: String = "Không có quyền truy cập") -> HTTPError {
        HTTPError(.forbidden, code: "forbidden", message: message)
    }

    /// 404 `not_found`.
    public static func notFound(_ message: String = "Không tìm thấy tài nguyên") -> HTTPError {
        HTTPError(.notFound, code: "not_found", message: message)
    }

    /// 409 `conflict`.
    public static func conflict(_ message: String, details: [String: String]? = nil) -> HTTPError {
        HTTPError(.conflict, code: "conflict", message: message, details: details)
    }

    /// 422 `validation_failed` with per-field messages in `details`.
    public static func validation(_ message: String = "Dữ liệu không hợp lệ",
                                  fields: [String: String]) -> HTTPError {
        HTTPError(.unprocessableContent, code: "validation_failed", message: message, details: fields)
    }

    /// 500 `internal`: the only thing a client learns about an unexpected failure.
    public static let internalError = HTTPError(
        .internalServerError, code: "internal", message: "Lỗi máy chủ nội bộ")

    private struct Envelope: Encodable {
        struct Body: Encodable {
            let code: String
            let message: String
            let details: [String: String]?
        }
        let error: Body
    }

    /// The JSON body bytes. Key order is sorted so responses are reproducible.
    public var jsonBody: [UInt8] {
        let envelope = Envelope(error: .init(code: code, message: message, details: details))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings into JSON cannot fail; the fallback is only for the type checker.
        return (try? Array(encoder.encode(envelope))) ?? Array(#"{"error":{"code":"internal","message":""}}"#.utf8)
    }

    /// The response carrying this error.
    public var response: HTTPResponse {
        var headers = self.headers
        headers.set(name: "Content-Type", value: "application/json; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: jsonBody)
    }

    /// `404 not_found: message`.
    public var description: String { "\(status.code) \(code): \(message)" }
}

extension HTTPError {
    /// Translates a `DecodingError` into 400 `invalid_json`, naming the field path and
    /// what was wrong (`type_mismatch`, `missing_field`, `null_value`, `invalid_value`,
    /// `syntax`). Only client-supplied data appears in the message.
    public init(decodingError error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text
        }
        func jsonTypeName(_ type: Any.Type) -> String {
            switch type {
            case is String.Type, is Substring.Type, is Character.Type: "string"
            case is Bool.Type: "boolean"
            case is Int.Type, is Int8.Type, is Int16.Type, is Int32.Type, is Int64.Type,
                 is UInt.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type: "integer"
            case is Double.Type, is Float.Type, is Decimal.Type: "number"
            case is Date.Type: "date"
            default:
                String(describing: type).hasPrefix("Array<") ? "array" : "object"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let expected = jsonTypeName(type)
            self.init(.badRequest, code: "invalid_json",
                      message: field.isEmpty ? "Sai kiểu dữ liệu JSON: cần \(expected)"
                                             : "Trường “\(field)” sai kiểu: cần \(expected)",
                      details: ["field": field, "reason": "type_mismatch", "expected": expected])
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            self.init(.badRequest, code: "invalid_json", message: "Thiếu trường bắt buộc “\(field)”",
                      details: ["field": field, "reason": "missing_field"])
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            self.init(.badRequest, code: "invalid_json", message: "Trường “\(field)” không được để trống",
                      details: ["field": field, "reason": "null_value", "expected": jsonTypeName(type)])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(.badRequest, code: "invalid_json", message: "Nội dung không phải JSON hợp lệ",
                          details: ["reason": "syntax"])
            } else {
                let field = path(context.codingPath)
                self.init(.badRequest, code: "invalid_json",
                          message: "Giá trị của trường “\(field)” không hợp lệ: \(context.debugDescription)",
                          details: ["field": field, "reason": "invalid_value"])
            }
        @unknown default:
            self.init(.badRequest, code: "invalid_json", message: "Nội dung không phải JSON hợp lệ",
                      details: ["reason": "syntax"])
        }
    }
}
