import HosoDomain

/// A version vector: node id → the counter of that node's latest write included.
///
/// Actors are node ids, never user ids (the Riak lesson: vectors stay bounded by the
/// number of nodes in the province). Stored and sent as a JSON object with sorted keys.
public struct VersionVector: Sendable, Hashable, CustomStringConvertible {
    /// How two versions of one row relate.
    public enum Ordering: Sendable, Equatable {
        /// Same events: the same version.
        case equal
        /// Every event of the other is included, and more: a newer version.
        case dominates
        /// The other includes every event of this one, and more: an older version.
        case dominated
        /// Each has events the other lacks: written independently.
        case concurrent
    }

    /// Entries by node id; absent means 0.
    public private(set) var entries: [String: Int64]

    /// An empty vector.
    public init() { entries = [:] }

    /// A vector with the given entries (zero entries are dropped).
    public init(_ entries: [String: Int64]) {
        self.entries = entries.filter { $0.value != 0 }
    }

    /// Parses the stored JSON form; malformed input gives an empty vector. Only for
    /// values this node wrote itself; wire input goes through `init(validating:)`.
    public init(json: String) {
        self.init()
        if case .object(let object)? = try? JSONValue.parse(json) {
            for (node, value) in object {
                if let n = value.numberValue { entries[node] = Int64(n) }
            }
        }
    }

    /// Parses a vector received from another node: an object of non-empty node ids to
    /// whole counters in 1...2^53. Anything else is nil.
    public init?(validating value: JSONValue) {
        guard case .object(let object) = value, object.count <= 10_000 else { return nil }
        var entries: [String: Int64] = [:]
        for (node, counter) in object {
            guard !node.isEmpty, node.utf8.count <= 64, case .number(let n) = counter,
                  n.rounded() == n, n >= 1, n <= 9_007_199_254_740_992 else { return nil }
            entries[node] = Int64(n)
        }
        self.entries = entries
    }

    /// The counter for a node (0 if absent).
    public subscript(node: String) -> Int64 {
        get { entries[node] ?? 0 }
        set { entries[node] = newValue == 0 ? nil : newValue }
    }

    /// True when no node has written.
    public var isEmpty: Bool { entries.isEmpty }

    /// How this version relates to `other`.
    public func compare(_ other: VersionVector) -> Ordering {
        var greater = false, less = false
        for (node, counter) in entries {
            let theirs = other[node]
            if counter > theirs { greater = true } else if counter < theirs { less = true }
        }
        for (node, counter) in other.entries where entries[node] == nil && counter > 0 { less = true }
        switch (greater, less) {
        case (false, false): return .equal
        case (true, false): return .dominates
        case (false, true): return .dominated
        case (true, true): return .concurrent
        }
    }

    /// True when this version has seen everything `other` has (equal or dominating).
    public func includes(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.key] >= $0.value }
    }

    /// The least vector that includes both: the version of a resolved conflict.
    public func joined(_ other: VersionVector) -> VersionVector {
        var result = self
        for (node, counter) in other.entries where counter > result[node] { result[node] = counter }
        return result
    }

    /// Raises every entry to at least `other`'s.
    public mutating func formJoin(_ other: VersionVector) {
        for (node, counter) in other.entries where counter > self[node] { self[node] = counter }
    }

    /// The JSON value (an object of numbers).
    public var jsonValue: JSONValue { .object(entries.mapValues { .number(Double($0)) }) }

    /// The canonical JSON text (sorted keys).
    public var json: String { jsonValue.jsonString() }

    public var description: String { json }
}
