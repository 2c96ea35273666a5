/// The deterministic winner of two concurrent versions of a row (replication.md,
/// "Versions and causality"): the version written by the owning authority wins;
/// otherwise a fixed order on (origin, vector, content) decides, so every replica that
/// meets the same two versions picks the same one, whatever order they arrive in.
public enum ConflictRule {
    /// What the rule needs to know about one version.
    public struct Version: Sendable, Equatable {
        public var origin: String
        public var vv: VersionVector
        public var contentDigest: String

        public init(origin: String, vv: VersionVector, contentDigest: String) {
            self.origin = origin
            self.vv = vv
            self.contentDigest = contentDigest
        }
    }

    /// True when `a` beats `b`. `authority` is the node serving the row's owning unit
    /// (nil when unknown).
    public static func prefers(_ a: Version, over b: Version, authority: String?) -> Bool {
        if let authority {
            let aOwns = a.origin == authority, bOwns = b.origin == authority
            if aOwns != bOwns { return aOwns }
        }
        if a.origin != b.origin { return a.origin > b.origin }
        if a.vv.json != b.vv.json { return a.vv.json > b.vv.json }
        return a.contentDigest > b.contentDigest
    }
}
