import HosoDomain

/// One step of a handoff, as an immutable replicated event. Every event of a handoff
/// has an id derived from the handoff id and its kind, so a step taken twice (a crash
/// and a retry, two replicas) is the same row: each message is idempotent by handoff id.
public struct HandoffEvent: Sendable, Equatable {
    /// The kinds of events, and who writes them (Protocol.md §8).
    public enum Kind: String, Sendable, CaseIterable {
        /// The transfer is asked for (by the owning unit, a superior unit, or the hub).
        case request
        /// The owning unit's node has frozen the dossier; carries its final vector.
        case prepare
        /// The receiving unit agrees to take the dossier.
        case accept
        /// The receiving unit refuses (with a reason): the coordinator aborts.
        case refuse
        /// The requester (or the owning unit, or an admin) withdraws: the coordinator aborts.
        case cancel
        /// The coordinator switched ownership to the receiving unit (final).
        case commit
        /// The coordinator ended the handoff without a transfer (final).
        case abort
        /// The receiving unit's node holds the dossier.
        case deliver
    }

    public var kind: Kind
    /// Wall-clock time (RFC 3339) of the event.
    public var at: String
    /// The node that wrote it.
    public var node: String
    /// The user who caused it (nil for automatic steps).
    public var user: String?
    /// Kind-specific facts (the request's decision, a vector, a reason).
    public var data: JSONObject

    public init(kind: Kind, at: String, node: String, user: String?, data: JSONObject = [:]) {
        self.kind = kind
        self.at = at
        self.node = node
        self.user = user
        self.data = data
    }

    /// The id of the event of `kind` of handoff `handoffID`: the same wherever and
    /// however often it is written.
    public static func id(handoff handoffID: String, kind: Kind) -> String {
        let hex = SHA256.hex("handoff|\(handoffID)|\(kind.rawValue)")
        let h = Array(hex.prefix(32))
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}

/// The state of a handoff, computed from its events (a pure fold: replicas holding the
/// same events agree).
///
///     requested -> prepared -> committed -> delivered
///          \-> aborted (refused, cancelled, or timed out before commit)
///
/// `commit` and `abort` are written only by the coordinator, which never writes both;
/// should a replica ever see both, `commit` wins (ownership has moved).
public struct HandoffState: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable, Codable {
        case requested, prepared, committed, delivered, aborted
    }

    public private(set) var events: [HandoffEvent.Kind: HandoffEvent] = [:]

    public init(_ events: [HandoffEvent]) {
        for event in events where self.events[event.kind] == nil || event.at < self.events[event.kind]!.at {
            self.events[event.kind] = event
        }
    }

    public func has(_ kind: HandoffEvent.Kind) -> Bool { events[kind] != nil }
    public subscript(kind: HandoffEvent.Kind) -> HandoffEvent? { events[kind] }

    /// The phase.
    public var phase: Phase {
        if has(.commit) { return has(.deliver) ? .delivered : .committed }
        if has(.abort) { return .aborted }
        if has(.prepare) { return .prepared }
        return .requested
    }

    /// True once nothing more will happen.
    public var isFinal: Bool { phase == .delivered || phase == .aborted }

    /// True while the dossier may not be edited: from the request until commit or abort.
    public var freezesDossier: Bool { has(.request) && !has(.commit) && !has(.abort) }

    /// Why the handoff was aborted, if it was.
    public var abortReason: String? { events[.abort]?.data["reason"]?.stringValue }
}

/// What a node should do next for a handoff: the protocol's decisions as a pure
/// function of the events, the node's roles and an injected clock, so every rule is
/// tested without sockets or sleeps.
public struct HandoffMachine: Sendable {
    /// The roles a node plays in one handoff.
    public struct Roles: Sendable, Equatable {
        /// The node is the authority for the dossier's current (sending) unit.
        public var sender: Bool
        /// The node is the authority for the receiving unit.
        public var receiver: Bool
        /// The node coordinates (the lowest common ancestor of sender and receiver).
        public var coordinator: Bool

        public init(sender: Bool, receiver: Bool, coordinator: Bool) {
            self.sender = sender
            self.receiver = receiver
            self.coordinator = coordinator
        }
    }

    /// A step to take.
    public enum Action: Sendable, Equatable {
        /// Freeze the dossier and write `prepare` with its final vector.
        case prepare
        /// Switch ownership, write the move into the history tables, write `commit`.
        case commit
        /// End without a transfer.
        case abort(reason: String)
        /// Acknowledge that the dossier arrived.
        case deliver
    }

    /// Seconds after the request without a commit before the coordinator aborts.
    public var timeout: Double

    public init(timeout: Double) { self.timeout = timeout }

    /// The next action for a node with `roles`, given the state, the current time, and
    /// whether the node holds what the action needs: `haveDossierAtVector` (the
    /// coordinator holds every change up to the prepared vector), `haveDossierDelivered`
    /// (the receiver holds the dossier under the receiving unit), `mayPrepare` (the
    /// sender holds the dossier in the sending unit and no other transfer of it is under
    /// way there), and `obstacle` (why the dossier can no longer move under this handoff:
    /// it was deleted, or another transfer moved it; the coordinator then aborts).
    public func next(_ state: HandoffState, roles: Roles, now: Double, requestedAt: Double,
                     haveDossierAtVector: Bool, haveDossierDelivered: Bool, mayPrepare: Bool = true, obstacle: String? = nil) -> Action? {
        guard state.has(.request) else { return nil }
        switch state.phase {
        case .delivered, .aborted:
            return nil
        case .committed:
            return roles.receiver && haveDossierDelivered ? .deliver : nil
        case .requested, .prepared:
            if roles.coordinator {
                if state.has(.refuse) { return .abort(reason: "refused") }
                if state.has(.cancel) { return .abort(reason: "cancelled") }
                if let obstacle { return .abort(reason: obstacle) }
                if now - requestedAt > timeout { return .abort(reason: "timeout") }
                if state.phase == .prepared && state.has(.accept) && haveDossierAtVector { return .commit }
            }
            if roles.sender && mayPrepare && obstacle == nil && state.phase == .requested && !state.has(.refuse) && !state.has(.cancel) { return .prepare }
            return nil
        }
    }
}
