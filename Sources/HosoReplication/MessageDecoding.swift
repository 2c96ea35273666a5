import HosoDomain

/// A sync message that does not match the schema of Protocol.md: which field, and why.
public struct MalformedMessage: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON path of the offending field (`changes[3].vv`).
    public let field: String
    /// What is wrong with it.
    public let reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// Typed access to the members of a received JSON object, with errors that name the
/// field. Unknown members are ignored so that a newer peer can add optional fields
/// (Protocol.md §7.1).
struct MessageReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String = "") throws(MalformedMessage) {
        guard case .object(let object) = value else { throw MalformedMessage(path.isEmpty ? "(body)" : path, "must be an object") }
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func string(_ key: String, maxLength: Int = 256) throws(MalformedMessage) -> String {
        guard case .string(let s)? = object[key] else { throw MalformedMessage(name(key), "must be a string") }
        guard s.utf8.count <= maxLength else { throw MalformedMessage(name(key), "longer than \(maxLength) bytes") }
        return s
    }

    func optionalString(_ key: String, maxLength: Int = 256) throws(MalformedMessage) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        default: return try string(key, maxLength: maxLength)
        }
    }

    func int(_ key: String, min: Int64 = 0, max: Int64 = 9_007_199_254_740_992) throws(MalformedMessage) -> Int64 {
        guard case .number(let n)? = object[key], n.rounded() == n, n >= Double(min), n <= Double(max) else {
            throw MalformedMessage(name(key), "must be a whole number in \(min)...\(max)")
        }
        return Int64(n)
    }

    func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = 9_007_199_254_740_992) throws(MalformedMessage) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        default: return try int(key, min: min, max: max)
        }
    }

    func bool(_ key: String) throws(MalformedMessage) -> Bool {
        guard case .bool(let b)? = object[key] else { throw MalformedMessage(name(key), "must be true or false") }
        return b
    }

    func vector(_ key: String) throws(MalformedMessage) -> VersionVector {
        guard let value = object[key], let vector = VersionVector(validating: value) else {
            throw MalformedMessage(name(key), "must be a version vector (node id → counter ≥ 1)")
        }
        return vector
    }

    func objectValue(_ key: String) throws(MalformedMessage) -> JSONObject {
        guard case .object(let o)? = object[key] else { throw MalformedMessage(name(key), "must be an object") }
        return o
    }

    func array(_ key: String, maxCount: Int) throws(MalformedMessage) -> [JSONValue] {
        guard case .array(let items)? = object[key] else { throw MalformedMessage(name(key), "must be an array") }
        guard items.count <= maxCount else { throw MalformedMessage(name(key), "more than \(maxCount) items") }
        return items
    }
}
