/// Why a byte stream is not an acceptable HTTP/1.1 request, and which status to answer
/// before closing the connection.
///
/// After a parse error the framing of the rest of the stream is unknown, so the server
/// always closes the connection (RFC 9112 §9.6; §11.2 on request smuggling).
public struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure; its raw value is the machine-readable error code sent in
    /// the JSON body.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The request line is not `method SP request-target SP HTTP-version` (400).
        case invalidRequestLine = "invalid_request_line"
        /// The method is not a token (400).
        case invalidMethod = "invalid_method"
        /// The request-target has forbidden characters or an unsupported form (400).
        case invalidTarget = "invalid_target"
        /// The path has a bad percent escape, invalid UTF-8, NUL or a dot segment (400).
        case invalidPath = "invalid_path"
        /// The query has a bad percent escape, invalid UTF-8 or NUL (400).
        case invalidQuery = "invalid_query"
        /// The request line exceeds the limit (414, RFC 9112 §3).
        case uriTooLong = "uri_too_long"
        /// The version is not `HTTP/DIGIT.DIGIT` (400).
        case invalidVersion = "invalid_version"
        /// The major version is not 1 (505).
        case unsupportedVersion = "http_version_not_supported"
        /// A line ends in bare LF, or contains a bare CR (400, RFC 9112 §2.2).
        case invalidLineEnding = "invalid_line_ending"
        /// A field line is malformed: bad name, space before the colon, control bytes (400).
        case invalidHeader = "invalid_header"
        /// A field line starts with whitespace: obsolete line folding (400, RFC 9112 §5.2).
        case obsoleteLineFolding = "obsolete_line_folding"
        /// The header section (or trailer section) exceeds its byte budget (431).
        case headerFieldsTooLarge = "header_fields_too_large"
        /// More field lines than allowed (431).
        case tooManyHeaderFields = "too_many_header_fields"
        /// HTTP/1.1 without Host, or several Host lines (400, RFC 9112 §3.2).
        case invalidHost = "invalid_host"
        /// Content-Length is not one non-negative decimal, or appears more than once (400).
        case invalidContentLength = "invalid_content_length"
        /// Both Content-Length and Transfer-Encoding are present (400, RFC 9112 §6.3).
        case conflictingFraming = "conflicting_framing"
        /// Transfer-Encoding whose final coding is not chunked, chunked twice, or sent
        /// in HTTP/1.0 (400, RFC 9112 §6.1 and §6.3).
        case invalidTransferEncoding = "invalid_transfer_encoding"
        /// A transfer coding other than chunked (501, RFC 9112 §6.1).
        case unsupportedTransferEncoding = "unsupported_transfer_encoding"
        /// A body-carrying method without any framing while lengths are required (411).
        case lengthRequired = "length_required"
        /// The body exceeds the configured maximum (413).
        case bodyTooLarge = "body_too_large"
        /// A malformed chunk-size line, chunk extension or chunk terminator (400).
        case invalidChunk = "invalid_chunk"
    }

    /// The class of failure.
    public let kind: Kind
    /// A short English explanation for logs (never derived from secrets).
    public let detail: String

    /// Creates an error.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The status to answer with.
    public var status: HTTPStatus {
        switch kind {
        case .uriTooLong: .uriTooLong
        case .unsupportedVersion: .httpVersionNotSupported
        case .headerFieldsTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .lengthRequired: .lengthRequired
        case .bodyTooLarge: .payloadTooLarge
        default: .badRequest
        }
    }

    /// The JSON error sent to the client.
    public var httpError: HTTPError {
        HTTPError(status, code: kind.rawValue, message: message, details: ["reason": detail])
    }

    /// A human message in Vietnamese for the response body.
    public var message: String {
        switch kind {
        case .uriTooLong: "Dòng yêu cầu quá dài"
        case .unsupportedVersion: "Phiên bản HTTP không được hỗ trợ"
        case .headerFieldsTooLarge: "Phần tiêu đề yêu cầu quá lớn"
        case .tooManyHeaderFields: "Yêu cầu có quá nhiều trường tiêu đề"
        case .unsupportedTransferEncoding: "Kiểu mã hoá truyền tải không được hỗ trợ"
        case .lengthRequired: "Yêu cầu phải có Content-Length"
        case .bodyTooLarge: "Nội dung yêu cầu quá lớn"
        case .invalidPath: "Đường dẫn không hợp lệ"
        case .invalidQuery: "Chuỗi truy vấn không hợp lệ"
        default: "Yêu cầu HTTP không hợp lệ"
        }
    }

    /// `kind: detail`.
    public var description: String { "\(kind.rawValue): \(detail)" }
}
