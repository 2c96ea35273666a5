/// Values captured from a route pattern: `:name` segments and a trailing `*name`.
public struct RouteParameters: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    private var values: [String: String]

    /// Parameters from a dictionary.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Parameters from a literal, e.g. `["id": "7"]` in tests.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The decoded value of `name`, or nil when the pattern has no such parameter.
    public subscript(name: String) -> String? { values[name] }

    /// The value of `name`; a missing name is a programming error in the route table
    /// and surfaces as 500 without detail.
    public func require(_ name: String) throws -> String {
        guard let value = values[name] else { throw HTTPError.internalError }
        return value
    }

    /// The value of `name` converted with `LosslessStringConvertible` (e.g. `Int`);
    /// 400 `invalid_parameter` when it does not convert.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws -> T {
        let text = try require(name)
        guard let value = T(text) else {
            throw HTTPError.badRequest("invalid_parameter", "Tham số “\(name)” không hợp lệ",
                                       details: ["parameter": name])
        }
        return value
    }

    /// Every captured name and value.
    public var all: [String: String] { values }
}

/// A compiled route pattern such as `/api/dossiers/:id/training/:rowId` or
/// `/static/*path`.
struct RoutePattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case wildcard(String)

        /// Specificity rank: literals beat parameters beat wildcards.
        var rank: Int {
            switch self {
            case .literal: 0
            case .parameter: 1
            case .wildcard: 2
            }
        }
    }

    let text: String
    let segments: [Segment]

    /// Compiles a pattern; a malformed pattern is a programming error, not input.
    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route pattern must start with '/': \(text)")
        var pieces = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if pieces.count > 1, pieces.last == "" { pieces.removeLast() }
        if pieces == [""] { pieces = [] }
        var segments: [Segment] = []
        var names = Set<String>()
        for (index, piece) in pieces.enumerated() {
            if piece.hasPrefix(":") || piece.hasPrefix("*") {
                let name = String(piece.dropFirst())
                precondition(!name.isEmpty, "route parameter without a name in \(text)")
                precondition(names.insert(name).inserted, "duplicate route parameter '\(name)' in \(text)")
                if piece.hasPrefix("*") {
                    precondition(index == pieces.count - 1, "wildcard must be the last segment in \(text)")
                    segments.append(.wildcard(name))
                } else {
                    segments.append(.parameter(name))
                }
            } else {
                segments.append(.literal(piece))
            }
        }
        self.text = text
        self.segments = segments
    }

    /// The pattern with parameter names erased: two patterns with the same shape
    /// match exactly the same paths.
    var shape: [Segment] {
        segments.map { segment in
            switch segment {
            case .literal: segment
            case .parameter: .parameter("")
            case .wildcard: .wildcard("")
            }
        }
    }

    /// Matches decoded path segments, returning captured parameters.
    func match(_ path: [String]) -> RouteParameters? {
        var captured: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let literal):
                guard index < path.count, path[index] == literal else { return nil }
            case .parameter(let name):
                guard index < path.count, !path[index].isEmpty else { return nil }
                captured[name] = path[index]
            case .wildcard(let name):
                captured[name] = path[index...].joined(separator: "/")
                return RouteParameters(captured)
            }
        }
        return path.count == segments.count ? RouteParameters(captured) : nil
    }

    /// Whether `self` is more specific than `other` (compares segment ranks left to
    /// right; a longer literal prefix wins).
    func isMoreSpecific(than other: RoutePattern) -> Bool {
        for (a, b) in zip(segments, other.segments) where a.rank != b.rank {
            return a.rank < b.rank
        }
        return segments.count > other.segments.count
    }
}
