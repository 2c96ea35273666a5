import HosoDomain

/// An error the node reports to a client: it knows its HTTP-level kind, a stable
/// machine-readable code and a Vietnamese message. Never carries field values of a
/// dossier, so it is safe to log.
public struct NodeError: Error, Sendable, Equatable {
    /// The class of failure, which decides the HTTP status.
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, conflict, validation, locked, tooManyRequests, unavailable
        /// The upload is larger than the node accepts (413).
        case payloadTooLarge
    }

    public var kind: Kind
    public var code: String
    public var message: String
    /// Field-level problems for `.validation`.
    public var fieldErrors: [FieldError]

    public init(_ kind: Kind, _ code: String, _ message: String, fieldErrors: [FieldError] = []) {
        self.kind = kind
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
    }

    static func notFound(_ what: String) -> NodeError {
        NodeError(.notFound, "not_found", "Không tìm thấy \(what).")
    }
    static func forbidden(_ message: String = "Tài khoản không có quyền thực hiện thao tác này.") -> NodeError {
        NodeError(.forbidden, "forbidden", message)
    }
    static func validation(_ errors: [FieldError]) -> NodeError {
        NodeError(.validation, "validation_failed", "Dữ liệu không hợp lệ: \(errors.count) lỗi.", fieldErrors: errors)
    }
    static func badRequest(_ code: String, _ message: String) -> NodeError {
        NodeError(.badRequest, code, message)
    }
}

extension NodeError: CustomStringConvertible {
    public var description: String {
        var text = message
        for e in fieldErrors { text += "\n  \(e.field): \(e.message)" }
        return text
    }
}
