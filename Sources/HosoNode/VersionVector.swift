import HosoDomain

/// A version vector: node id → the counter of that node's latest write seen.
/// Stored as a JSON object with sorted keys.
public struct VersionVector: Sendable, Hashable {
    /// Entries by node id.
    public private(set) var entries: [String: Int64] = [:]

    /// An empty vector.
    public init() {}

    /// Parses the stored JSON form; malformed input gives an empty vector.
    public init(json: String) {
        if case .object(let object)? = try? JSONValue.parse(json) {
            for (node, value) in object {
                if let n = value.numberValue { entries[node] = Int64(n) }
            }
        }
    }

    /// The counter for a node (0 if absent).
    public subscript(node: String) -> Int64 {
        get { entries[node] ?? 0 }
        set { entries[node] = newValue }
    }

    /// The JSON form with sorted keys.
    public var json: String {
        JSONValue.object(entries.mapValues { .number(Double($0)) }).jsonString()
    }
}
