/// A complete request: head, decoded target, body and middleware attributes.
public struct HTTPRequest: Sendable {
    /// The method token.
    public var method: HTTPMethod
    /// The raw request-target exactly as received (still percent-encoded).
    public var target: String
    /// The percent-decoded path without the query, e.g. `/api/hồ-sơ/7`.
    public var path: String
    /// The decoded query items in order of appearance.
    public var queryItems: [QueryItem]
    /// The protocol version.
    public var version: HTTPVersion
    /// The header fields in order.
    public var headers: HTTPHeaders
    /// The body bytes, with any chunked framing removed.
    public var body: [UInt8]
    /// The peer's IP address, when received over a socket.
    public var remoteAddress: String?
    /// Typed values attached by middleware.
    public var attributes: RequestAttributes

    /// Builds a request directly, as tests and in-process callers do.
    ///
    /// The target is decoded like the parser would; if it is not valid (which the
    /// parser would have refused with 400) the path falls back to the raw text before
    /// `?` and the query is left empty.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = [:], body: [UInt8] = [], remoteAddress: String? = nil) {
        let parsed: RequestTarget.Parsed
        do {
            parsed = try RequestTarget.parse(target, method: method)
        } catch {
            let raw = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            parsed = RequestTarget.Parsed(path: String(raw), queryItems: [])
        }
        self.init(method: method, target: target, parsed: parsed, version: version,
                  headers: headers, body: body, remoteAddress: remoteAddress)
    }

    /// The parser's initialiser: the target is already validated and decoded.
    init(method: HTTPMethod, target: String, parsed: RequestTarget.Parsed, version: HTTPVersion,
         headers: HTTPHeaders, body: [UInt8], remoteAddress: String?) {
        self.method = method
        self.target = target
        self.path = parsed.path
        self.queryItems = parsed.queryItems
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.attributes = RequestAttributes()
    }

    /// The query as a dictionary; when a name repeats, the last value wins.
    public var query: [String: String] {
        var result: [String: String] = [:]
        for item in queryItems { result[item.name] = item.value }
        return result
    }

    /// Every value of a repeated query parameter, in order.
    public func queryValues(_ name: String) -> [String] {
        queryItems.filter { $0.name == name }.map(\.value)
    }

    /// Whether the connection may be reused after this request (RFC 9112 §9.3):
    /// HTTP/1.1 persists unless `Connection: close`; HTTP/1.0 closes unless
    /// `Connection: keep-alive`.
    public var keepAlive: Bool {
        let options = headers.tokens(for: "Connection")
        if options.contains("close") { return false }
        if version >= .http1_1 { return true }
        return options.contains("keep-alive")
    }

    /// The media type of the body, lowercased and without parameters
    /// (`application/json; charset=utf-8` → `application/json`).
    public var mediaType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = HTTPSyntax.trimmingWhitespace(ArraySlice(type.utf8))
        return trimmed.isEmpty ? nil : HTTPSyntax.lowercased(String(decoding: trimmed, as: UTF8.self))
    }

    /// The body as UTF-8 text (invalid bytes replaced); for logs and tests.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The decoded path segments used for routing (see `RequestTarget.routingSegments`);
    /// falls back to splitting `path` when the target is not decodable.
    var routingSegments: [String] {
        if let segments = RequestTarget.routingSegments(of: target) { return segments }
        var pieces = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if pieces.first == "" { pieces.removeFirst() }
        if pieces.count > 1, pieces.last == "" { pieces.removeLast() }
        if pieces == [""] { return [] }
        return pieces
    }
}
