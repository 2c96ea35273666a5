import Foundation

extension HTTPRequest {
    /// Whether `Content-Type` is `application/json` or a `+json` type
    /// (e.g. `application/merge-patch+json`), parameters ignored.
    public var hasJSONContentType: Bool {
        guard let type = mediaType else { return false }
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// Decodes the body as JSON into `type`.
    ///
    /// Errors are ready-made client answers:
    /// - 415 `unsupported_media_type` unless `Content-Type` is JSON;
    /// - 400 `invalid_utf8` when the body is not UTF-8 (RFC 8259 §8.1 requires it);
    /// - 400 `invalid_json` for an empty body, bad syntax, or a value that does not fit
    ///   `type` — the message and `details.field` name the coding path
    ///   (`employees[2].birthDate`) and `details.reason` says what was wrong.
    ///
    /// Dates are ISO 8601 strings (see ``HTTPJSON/makeDecoder()``). Unknown fields are
    /// not rejected here; use ``JSONObjectKeys/check(body:allowed:)`` for that.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        guard hasJSONContentType else {
            throw HTTPError(.unsupportedMediaType, code: "unsupported_media_type",
                            message: "Nội dung phải có Content-Type: application/json",
                            details: ["contentType": headers["Content-Type"] ?? ""])
        }
        return try JSONObjectKeys.decode(type, from: body)
    }
}

/// Helpers for strict JSON bodies: refuse unknown top-level keys so that a typo such
/// as `"birthdate"` is an error rather than silently ignored data.
public enum JSONObjectKeys {
    /// Validates UTF-8 and decodes `body` with ``HTTPJSON/makeDecoder()``, mapping
    /// failures to ``HTTPError``s (400 `invalid_utf8` / `invalid_json`).
    public static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        let data = try validatedData(body)
        do {
            return try HTTPJSON.makeDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw HTTPError(decodingError: error)
        } catch {
            throw HTTPError.badRequest("invalid_json", "Nội dung không phải JSON hợp lệ", details: ["reason": "syntax"])
        }
    }

    /// The top-level keys of the JSON object in `body` that are not in `allowed`,
    /// sorted. Throws 400 `invalid_utf8` / `invalid_json` if `body` is not a JSON object.
    public static func unknownKeys(in body: [UInt8], allowed: Set<String>) throws -> [String] {
        try topLevelKeys(in: body).subtracting(allowed).sorted()
    }

    /// Throws 400 `unknown_field` listing the unknown top-level keys (comma-separated
    /// in `details.fields`) when there are any.
    public static func check(body: [UInt8], allowed: Set<String>) throws {
        let unknown = try unknownKeys(in: body, allowed: allowed)
        guard unknown.isEmpty else {
            let list = unknown.joined(separator: ", ")
            throw HTTPError.badRequest("unknown_field", "Trường không được chấp nhận: \(list)",
                                       details: ["fields": list])
        }
    }

    /// The set of top-level keys of the JSON object in `body`.
    public static func topLevelKeys(in body: [UInt8]) throws -> Set<String> {
        let data = try validatedData(body)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw HTTPError.badRequest("invalid_json", "Nội dung không phải JSON hợp lệ", details: ["reason": "syntax"])
        }
        guard let dictionary = object as? [String: Any] else {
            throw HTTPError.badRequest("invalid_json", "Nội dung JSON phải là một đối tượng",
                                       details: ["reason": "type_mismatch", "expected": "object"])
        }
        return Set(dictionary.keys)
    }

    /// Refuses empty and non-UTF-8 bodies before the JSON parser sees them.
    private static func validatedData(_ body: [UInt8]) throws -> Data {
        guard !body.isEmpty else {
            throw HTTPError.badRequest("invalid_json", "Nội dung yêu cầu rỗng", details: ["reason": "empty"])
        }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw HTTPError.badRequest("invalid_utf8", "Nội dung không phải UTF-8 hợp lệ")
        }
        return Data(body)
    }
}
