import Foundation

/// A response produced by a handler.
///
/// Framing headers (`Content-Length`, `Transfer-Encoding`, `Connection`, `Date`) are
/// owned by the server and recomputed when the response is written, so handlers
/// cannot produce a mis-framed message (RFC 9112 §6.3).
public struct HTTPResponse: Sendable {
    /// The status code and reason.
    public var status: HTTPStatus
    /// The header fields, in order.
    public var headers: HTTPHeaders
    /// The content bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response encoded with ``HTTPJSON/makeEncoder()`` (ISO 8601 dates,
    /// sorted keys), `Content-Type: application/json; charset=utf-8`.
    public static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok,
                                          headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        let data = try HTTPJSON.makeEncoder().encode(value)
        var headers = headers
        headers.set(name: "Content-Type", value: "application/json; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Array(data))
    }

    /// A text response, `text/plain; charset=utf-8` unless another type is given.
    public static func text(_ text: String, status: HTTPStatus = .ok,
                            contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// Raw bytes with the given media type.
    public static func bytes(_ body: [UInt8], contentType: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: body)
    }

    /// 204 No Content.
    public static func noContent(headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: .noContent, headers: headers)
    }

    /// A redirect (303 See Other by default) to `location`.
    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Location": location])
    }

    /// The JSON rendering of an ``HTTPError``.
    public static func error(_ error: HTTPError) -> HTTPResponse { error.response }

    /// The body decoded as UTF-8 (invalid bytes replaced), for logs and tests.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Decodes the body as JSON with ``HTTPJSON/makeDecoder()``; convenient in tests
    /// and in-process callers.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try HTTPJSON.makeDecoder().decode(type, from: Data(body))
    }

    /// The `error.code` of a JSON error body, if this is one.
    public var errorCode: String? {
        struct Envelope: Decodable {
            struct Body: Decodable { let code: String }
            let error: Body
        }
        return (try? JSONDecoder().decode(Envelope.self, from: Data(body)))?.error.code
    }
}

/// JSON coders configured the way the whole API speaks JSON: ISO 8601 date strings
/// (with or without fractional seconds, or a bare `yyyy-MM-dd` on input), sorted keys
/// and unescaped slashes on output.
public enum HTTPJSON {
    /// A fresh encoder (coders are cheap and not shared between tasks).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A fresh decoder accepting ISO 8601 date strings.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "cần ngày giờ ISO 8601, nhận “\(text.prefix(40))”")
            }
            return date
        }
        return decoder
    }

    /// Parses `2024-05-01T08:30:00Z`, `2024-05-01T08:30:00.250+07:00` or `2024-05-01`
    /// (taken as midnight UTC).
    public static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        if text.utf8.count == 10,
           let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) {
            return date
        }
        return nil
    }
}
