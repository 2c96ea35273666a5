/// A failed sync exchange: a code from Protocol.md §7.8, a message for the operator,
/// and whether retrying can help (CouchDB's rule: never retry 401/403/409 blindly).
public struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Error codes of the sync protocol.
    public enum Code: String, Sendable, Equatable {
        /// No or wrong node credential (401).
        case unauthenticated
        /// The credential does not allow this (403): a retired node, or `node_id` that
        /// is not the credential's.
        case forbidden
        /// Two processes use one node identity (a copied data directory): refused until
        /// an administrator re-enrols the node (409).
        case identityConflict = "identity_conflict"
        /// The node is behind what the parent already received from it (restored from
        /// an old backup): refused (409).
        case nodeRegressed = "node_regressed"
        /// The push does not start at the parent's checkpoint (409); resume from `checkpoint`.
        case checkpointGap = "checkpoint_gap"
        /// The parent's node id is not the one this node enrolled with (409).
        case parentChanged = "parent_changed"
        /// The request does not match the protocol's schema (400).
        case malformed
        /// Protocol version not supported (400).
        case protocolUnsupported = "protocol_unsupported"
        /// The body is over the parent's limit (413).
        case tooLarge = "body_too_large"
        /// The parent is busy or starting (503): retry later.
        case unavailable
        /// The parent's disk is full (507): retry later.
        case diskFull = "disk_full"
        /// The network failed or the parent did not answer: retry later.
        case transport
        /// Anything else on the parent (500): retry later.
        case `internal`
        /// This node has no parent configured or no credential.
        case notEnrolled = "not_enrolled"
    }

    public let code: Code
    public let message: String
    /// For `checkpoint_gap`: where the parent expects the next push to start.
    public let checkpoint: Int64?
    /// For `protocol_unsupported`: the protocol versions the parent serves, and its
    /// software version (so the operator knows what to upgrade to).
    public var servedProtocols: ClosedRange<Int64>?
    public var parentSoftware: String?

    public init(_ code: Code, _ message: String, checkpoint: Int64? = nil) {
        self.code = code
        self.message = message
        self.checkpoint = checkpoint
    }

    /// Whether trying again later, unchanged, may succeed.
    public var isRetryable: Bool {
        switch code {
        case .unavailable, .diskFull, .transport, .internal, .checkpointGap: true
        case .unauthenticated, .forbidden, .identityConflict, .nodeRegressed, .parentChanged, .malformed,
             .protocolUnsupported, .tooLarge, .notEnrolled: false
        }
    }

    /// The HTTP status the parent answers with.
    public var httpStatus: Int {
        switch code {
        case .unauthenticated: 401
        case .forbidden: 403
        case .identityConflict, .nodeRegressed, .checkpointGap, .parentChanged: 409
        case .malformed, .protocolUnsupported, .notEnrolled: 400
        case .tooLarge: 413
        case .unavailable, .transport: 503
        case .diskFull: 507
        case .internal: 500
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
