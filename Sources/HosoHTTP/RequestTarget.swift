/// One decoded `name=value` pair of a query string, in order of appearance.
public struct QueryItem: Sendable, Hashable, CustomStringConvertible {
    /// The decoded name.
    public var name: String
    /// The decoded value ("" for a bare `name`).
    public var value: String

    /// Creates a query item.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value`.
    public var description: String { "\(name)=\(value)" }
}

/// Splits and decodes a request-target (RFC 9112 §3.2).
enum RequestTarget {
    /// The decoded components of a target.
    struct Parsed: Sendable {
        var path: String
        var queryItems: [QueryItem]
    }

    /// Locates the raw (still percent-encoded) path and query of a target in
    /// origin-form, absolute-form or asterisk-form. Nil for anything else.
    ///
    /// Absolute-form must be accepted by servers (RFC 9112 §3.2.2); its authority is
    /// ignored because this server answers for one origin only.
    static func rawComponents(of target: Substring) -> (path: Substring, query: Substring?)? {
        var rest = target
        if rest == "*" { return ("*", nil) }
        if !rest.hasPrefix("/") {
            let lower = HTTPSyntax.lowercased(String(rest.prefix(8)))
            let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
            guard schemeLength > 0 else { return nil }
            rest = rest.dropFirst(schemeLength)
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            guard authorityEnd > rest.startIndex else { return nil }
            rest = rest[authorityEnd...]
        }
        if let mark = rest.firstIndex(of: "?") {
            let path = rest[..<mark]
            return (path.isEmpty ? "/" : path, rest[rest.index(after: mark)...])
        }
        return (rest.isEmpty ? "/" : rest, nil)
    }

    /// Fully validates and decodes a target. Throws 400 for characters outside
    /// VCHAR, a fragment, an unsupported form, a malformed escape, invalid UTF-8 or
    /// NUL after decoding, and dot segments (which a client must have removed,
    /// RFC 3986 §5.2.4; refusing them closes path-traversal tricks like `%2e%2e`).
    static func parse(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> Parsed {
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError(.invalidTarget, "request-target contains forbidden bytes")
        }
        guard !target.utf8.contains(UInt8(ascii: "#")) else {
            throw HTTPParseError(.invalidTarget, "request-target contains a fragment")
        }
        guard let raw = rawComponents(of: Substring(target)) else {
            throw HTTPParseError(.invalidTarget, "unsupported request-target form")
        }
        if raw.path == "*" {
            guard method == .options else {
                throw HTTPParseError(.invalidTarget, "asterisk-form is only valid for OPTIONS")
            }
            return Parsed(path: "*", queryItems: [])
        }
        let path = try decodePath(raw.path)
        let query = try raw.query.map(decodeQuery) ?? []
        return Parsed(path: path, queryItems: query)
    }

    /// Percent-decodes a raw path, refusing bad escapes, invalid UTF-8, NUL and dot segments.
    static func decodePath(_ raw: Substring) throws(HTTPParseError) -> String {
        guard let bytes = HTTPSyntax.percentDecode(raw.utf8, plusAsSpace: false) else {
            throw HTTPParseError(.invalidPath, "malformed percent escape in path")
        }
        guard let path = HTTPSyntax.strictString(bytes) else {
            throw HTTPParseError(.invalidPath, "path is not valid UTF-8 or contains NUL")
        }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            throw HTTPParseError(.invalidPath, "path contains a dot segment")
        }
        return path
    }

    /// Decodes `a=1&b=x+y&c` into ordered items (form-urlencoded: `+` is a space).
    static func decodeQuery(_ raw: Substring) throws(HTTPParseError) -> [QueryItem] {
        var items: [QueryItem] = []
        for piece in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = piece.firstIndex(of: "=")
            let rawName = equals.map { piece[..<$0] } ?? piece
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? ""
            guard let nameBytes = HTTPSyntax.percentDecode(rawName.utf8, plusAsSpace: true),
                  let valueBytes = HTTPSyntax.percentDecode(rawValue.utf8, plusAsSpace: true) else {
                throw HTTPParseError(.invalidQuery, "malformed percent escape in query")
            }
            guard let name = HTTPSyntax.strictString(nameBytes),
                  let value = HTTPSyntax.strictString(valueBytes) else {
                throw HTTPParseError(.invalidQuery, "query is not valid UTF-8 or contains NUL")
            }
            items.append(QueryItem(name: name, value: value))
        }
        return items
    }

    /// The decoded path segments used for routing, split *before* decoding so that an
    /// encoded slash (`%2F`) stays inside its segment. A trailing slash is ignored.
    /// Nil when the target cannot be decoded.
    static func routingSegments(of target: String) -> [String]? {
        guard let raw = rawComponents(of: Substring(target)), raw.path.hasPrefix("/") else { return nil }
        var pieces = raw.path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if pieces.count > 1, pieces.last?.isEmpty == true { pieces.removeLast() }
        if pieces.count == 1, pieces[0].isEmpty { return [] }
        var segments: [String] = []
        segments.reserveCapacity(pieces.count)
        for piece in pieces {
            guard let bytes = HTTPSyntax.percentDecode(piece.utf8, plusAsSpace: false),
                  let segment = HTTPSyntax.strictString(bytes) else { return nil }
            segments.append(segment)
        }
        return segments
    }
}
