/// An HTTP request method (RFC 9110 §9).
///
/// Methods are case-sensitive tokens: `get` is not `GET` (RFC 9110 §9.1), so the raw
/// value is kept exactly as received. Any token is representable; which methods a
/// resource supports is the router's business (405 with Allow for any other method).
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The method token exactly as sent on the wire.
    public let rawValue: String

    /// Wraps a method token. Never fails: validation is the parser's job.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Allows `let m: HTTPMethod = "GET"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// `GET`: transfer a current representation (RFC 9110 §9.3.1).
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`: like GET but without content (RFC 9110 §9.3.2).
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`: process the enclosed representation (RFC 9110 §9.3.3).
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`: replace the target's state (RFC 9110 §9.3.4).
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`: partial modification (RFC 5789).
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`: remove the association with the target (RFC 9110 §9.3.5).
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `OPTIONS`: describe communication options (RFC 9110 §9.3.7).
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    /// `TRACE`: loop-back test (RFC 9110 §9.3.8). No resource here allows it (405).
    public static let trace = HTTPMethod(rawValue: "TRACE")
    /// `CONNECT`: tunnel (RFC 9110 §9.3.6). No resource here allows it (405).
    public static let connect = HTTPMethod(rawValue: "CONNECT")

    /// Whether a request with this method conventionally carries content, used for the
    /// optional 411 (Length Required) rule.
    public var expectsBody: Bool { self == .post || self == .put || self == .patch }

    /// The raw token.
    public var description: String { rawValue }
}

/// The protocol version of a request, `HTTP/<major>.<minor>` (RFC 9112 §2.3).
public struct HTTPVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The major version digit; only 1 is served.
    public var major: Int
    /// The minor version digit.
    public var minor: Int

    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0: connections close by default.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1: connections persist by default (RFC 9112 §9.3).
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// Orders versions by major, then minor.
    public static func < (lhs: HTTPVersion, rhs: HTTPVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// `HTTP/1.1` style text.
    public var description: String { "HTTP/\(major).\(minor)" }
}
