import HosoDomain

/// The protocol version this build speaks (Protocol.md §7). It covers the messages
/// and the replicated columns of every table (a change to either is a new version).
public let syncProtocolVersion: Int64 = 1

/// The oldest protocol version this build still serves as a parent (Protocol.md §7.11):
/// a parent is upgraded before the nodes below it and keeps serving them until they
/// are upgraded too.
public let oldestServedSyncProtocolVersion: Int64 = 1

/// What every request from a child says about the child (Protocol.md §7.2).
public struct SyncEnvelope: Sendable, Equatable {
    /// Protocol version (1).
    public var protocolVersion: Int64 = syncProtocolVersion
    /// The child's node id; must be the id its credential was issued for.
    public var nodeID: String
    /// The child's logical clock: the counter of its latest local write.
    public var clock: Int64
    /// The child's knowledge vector: per origin node, the highest counter it holds.
    public var knowledge: VersionVector
    /// The newest migration of the child's database (schema version).
    public var schema: String
    /// The child's software version.
    public var software: String

    public init(nodeID: String, clock: Int64, knowledge: VersionVector, schema: String, software: String) {
        self.nodeID = nodeID
        self.clock = clock
        self.knowledge = knowledge
        self.schema = schema
        self.software = software
    }

    var members: JSONObject {
        ["protocol": .number(Double(protocolVersion)), "node_id": .string(nodeID), "clock": .number(Double(clock)),
         "knowledge": knowledge.jsonValue, "schema": .string(schema), "software": .string(software)]
    }

    init(_ r: MessageReader) throws(MalformedMessage) {
        protocolVersion = try r.int("protocol", min: 1, max: 1_000)
        nodeID = try r.string("node_id", maxLength: 64)
        clock = try r.int("clock")
        knowledge = try r.vector("knowledge")
        schema = try r.string("schema", maxLength: 100)
        software = try r.string("software", maxLength: 100)
    }
}

/// A push the child sent: the log position it covered and the random id it gave it.
public struct PushMark: Sendable, Equatable {
    public var toSeq: Int64
    public var batchID: String

    public init(toSeq: Int64, batchID: String) {
        self.toSeq = toSeq
        self.batchID = batchID
    }
}

/// `POST /sync/v1/hello`: the handshake that starts every sync cycle.
public struct HelloRequest: Sendable, Equatable {
    /// At most this many marks in a hello.
    public static let maximumMarks = 64

    public var envelope: SyncEnvelope
    /// The child's pull checkpoint (the parent's sequence it has applied up to).
    public var pullCheckpoint: Int64
    /// The child's most recent pushes, newest first. The parent's record of the last
    /// push it applied must be among them (or older than all): otherwise another process
    /// pushed under this node's identity (Protocol.md §7.9).
    public var pushMarks: [PushMark]
    /// The child's own state and what it knows of the nodes below it, for the
    /// monitoring of the whole tree (Protocol.md §7.7); optional, an object.
    public var status: JSONObject?

    public init(envelope: SyncEnvelope, pullCheckpoint: Int64, pushMarks: [PushMark] = [], status: JSONObject? = nil) {
        self.envelope = envelope
        self.pullCheckpoint = pullCheckpoint
        self.pushMarks = pushMarks
        self.status = status
    }

    public var jsonValue: JSONValue {
        var m = envelope.members
        m["pull_checkpoint"] = .number(Double(pullCheckpoint))
        m["push_marks"] = .array(pushMarks.map { .object(["to_seq": .number(Double($0.toSeq)), "batch_id": .string($0.batchID)]) })
        if let status { m["status"] = .object(status) }
        return .object(m)
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        envelope = try SyncEnvelope(r)
        pullCheckpoint = try r.int("pull_checkpoint")
        pushMarks = try r.array("push_marks", maxCount: Self.maximumMarks).enumerated().map { i, item throws(MalformedMessage) in
            let m = try MessageReader(item, path: "push_marks[\(i)]")
            return PushMark(toSeq: try m.int("to_seq"), batchID: try m.string("batch_id", maxLength: 64))
        }
        switch r.object["status"] {
        case nil, .null?: status = nil
        case .object(let o)?: status = o
        default: throw MalformedMessage("status", "must be an object")
        }
    }
}

/// The parent's answer to `hello` (and its state carried in every response).
public struct HelloResponse: Sendable, Equatable {
    /// The parent's node id (a child refuses to continue if its parent's id changes).
    public var parentID: String
    /// The parent's display name.
    public var parentName: String
    /// The last child sequence number the parent has applied (where the next push starts).
    public var pushCheckpoint: Int64
    /// The parent's knowledge vector.
    public var knowledge: VersionVector
    /// The parent's logical clock.
    public var clock: Int64
    /// The parent's wall clock (RFC 3339), so the child can show clock skew.
    public var time: String

    public init(parentID: String, parentName: String, pushCheckpoint: Int64, knowledge: VersionVector, clock: Int64, time: String) {
        self.parentID = parentID
        self.parentName = parentName
        self.pushCheckpoint = pushCheckpoint
        self.knowledge = knowledge
        self.clock = clock
        self.time = time
    }

    public var jsonValue: JSONValue {
        .object(["protocol": .number(Double(syncProtocolVersion)), "node_id": .string(parentID), "name": .string(parentName),
                 "push_checkpoint": .number(Double(pushCheckpoint)), "knowledge": knowledge.jsonValue,
                 "clock": .number(Double(clock)), "time": .string(time)])
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        parentID = try r.string("node_id", maxLength: 64)
        parentName = try r.string("name", maxLength: 300)
        pushCheckpoint = try r.int("push_checkpoint")
        knowledge = try r.vector("knowledge")
        clock = try r.int("clock")
        time = try r.string("time", maxLength: 40)
    }
}

/// `POST /sync/v1/push`: a batch of the child's change log.
public struct PushRequest: Sendable, Equatable {
    /// At most this many changes in one push.
    public static let maximumChanges = 5_000

    public var envelope: SyncEnvelope
    /// The child's log sequence the batch starts after (the checkpoint it resumes from).
    public var fromSeq: Int64
    /// The child's log sequence the batch covers up to (inclusive; entries in between
    /// that are not sent were received from this parent and need no echo).
    public var toSeq: Int64
    /// The changes, in log order.
    public var changes: [ChangeRecord]
    /// True when the first change belongs to a transaction whose earlier changes were
    /// in the previous batch (only transactions larger than one batch are split).
    public var continues: Bool
    /// A random id the child gave this push and recorded before sending it.
    public var batchID: String

    public init(envelope: SyncEnvelope, fromSeq: Int64, toSeq: Int64, changes: [ChangeRecord], continues: Bool = false, batchID: String) {
        self.envelope = envelope
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.changes = changes
        self.continues = continues
        self.batchID = batchID
    }

    public var jsonValue: JSONValue {
        var m = envelope.members
        m["from_seq"] = .number(Double(fromSeq))
        m["to_seq"] = .number(Double(toSeq))
        m["changes"] = .array(changes.map(\.jsonValue))
        if continues { m["continues"] = .bool(true) }
        m["batch_id"] = .string(batchID)
        return .object(m)
    }

    /// The JSON bytes of the request (same content as `jsonValue`, written directly).
    public var jsonBytes: [UInt8] {
        var m = envelope.members
        m["from_seq"] = .number(Double(fromSeq))
        m["to_seq"] = .number(Double(toSeq))
        if continues { m["continues"] = .bool(true) }
        m["batch_id"] = .string(batchID)
        return Self.bytes(m, arrayKey: "changes", changes)
    }

    /// Writes `members` plus `arrayKey: [records]` as one JSON object.
    static func bytes(_ members: JSONObject, arrayKey: String, _ records: [ChangeRecord]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + records.count * 700)
        JSONValue.object(members).write(to: &out)
        out.removeLast()   // the closing brace
        out.append(0x2C)
        JSONValue.writeString(arrayKey, to: &out)
        out.append(contentsOf: [0x3A, 0x5B])
        for (index, record) in records.enumerated() {
            if index > 0 { out.append(0x2C) }
            record.write(to: &out)
        }
        out.append(contentsOf: [0x5D, 0x7D])
        return out
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        envelope = try SyncEnvelope(r)
        fromSeq = try r.int("from_seq")
        toSeq = try r.int("to_seq")
        continues = r.object["continues"] == nil ? false : try r.bool("continues")
        batchID = try r.string("batch_id", maxLength: 64)
        guard toSeq >= fromSeq else { throw MalformedMessage("to_seq", "must not be below from_seq") }
        var changes: [ChangeRecord] = []
        for (i, item) in try r.array("changes", maxCount: Self.maximumChanges).enumerated() {
            let change = try ChangeRecord(json: item, path: "changes[\(i)]")
            guard change.seq > fromSeq, change.seq <= toSeq, change.seq > (changes.last?.seq ?? fromSeq) else {
                throw MalformedMessage("changes[\(i)].seq", "must increase within (from_seq, to_seq]")
            }
            changes.append(change)
        }
        self.changes = changes
    }
}

/// What the parent did with one pushed change.
public struct ChangeResult: Sendable, Equatable {
    /// The outcome.
    public enum Status: String, Sendable, Equatable {
        /// Stored as the row's new version.
        case applied
        /// Already held (the same or a newer version): nothing to do. Re-sends get this.
        case duplicate
        /// Written concurrently with another version; the deterministic winner is
        /// stored, the loser kept in the conflict table. `current` is the stored version.
        case conflict
        /// Refused (`reason`); `current` is the authoritative version the child must
        /// restore (a tombstone if the row must not exist).
        case rejected
    }

    public var seq: Int64
    public var entity: String
    public var id: String
    public var status: Status
    /// Machine-readable reason of a rejection (Protocol.md §7.7).
    public var reason: String?
    /// Human-readable explanation (Vietnamese).
    public var message: String?
    /// The parent's stored version after this change, for `conflict` and `rejected`.
    public var current: ChangeRecord?

    public init(seq: Int64, entity: String, id: String, status: Status, reason: String? = nil, message: String? = nil, current: ChangeRecord? = nil) {
        self.seq = seq
        self.entity = entity
        self.id = id
        self.status = status
        self.reason = reason
        self.message = message
        self.current = current
    }

    public var jsonValue: JSONValue {
        var m: JSONObject = ["seq": .number(Double(seq)), "entity": .string(entity), "id": .string(id), "status": .string(status.rawValue)]
        if let reason { m["reason"] = .string(reason) }
        if let message { m["message"] = .string(message) }
        if let current { m["current"] = current.jsonValue }
        return .object(m)
    }

    public init(json: JSONValue, path: String) throws(MalformedMessage) {
        let r = try MessageReader(json, path: path)
        seq = try r.int("seq")
        entity = try r.string("entity", maxLength: 64)
        id = try r.string("id", maxLength: 64)
        guard let status = Status(rawValue: try r.string("status", maxLength: 20)) else {
            throw MalformedMessage(r.name("status"), "must be applied, duplicate, conflict or rejected")
        }
        self.status = status
        reason = try r.optionalString("reason", maxLength: 64)
        message = try r.optionalString("message", maxLength: 2_000)
        switch r.object["current"] {
        case nil, .null?: current = nil
        case let value?: current = try ChangeRecord(json: value, path: r.name("current"))
        }
    }
}

/// The parent's answer to a push.
public struct PushResponse: Sendable, Equatable {
    /// The parent's checkpoint for this child after the batch (the next push starts after it).
    public var checkpoint: Int64
    /// How many changes were applied as sent.
    public var applied: Int64
    /// The result of every change that was not simply applied (duplicate, conflict,
    /// rejected), in the request's order; every change not listed was applied.
    public var results: [ChangeResult]
    /// The parent's knowledge vector after the batch.
    public var knowledge: VersionVector
    /// The parent's logical clock.
    public var clock: Int64

    public init(checkpoint: Int64, applied: Int64, results: [ChangeResult], knowledge: VersionVector, clock: Int64) {
        self.checkpoint = checkpoint
        self.applied = applied
        self.results = results
        self.knowledge = knowledge
        self.clock = clock
    }

    public var jsonValue: JSONValue {
        .object(["checkpoint": .number(Double(checkpoint)), "applied": .number(Double(applied)), "results": .array(results.map(\.jsonValue)),
                 "knowledge": knowledge.jsonValue, "clock": .number(Double(clock))])
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        checkpoint = try r.int("checkpoint")
        applied = try r.int("applied")
        results = try r.array("results", maxCount: PushRequest.maximumChanges).enumerated().map { i, item throws(MalformedMessage) in
            try ChangeResult(json: item, path: "results[\(i)]")
        }
        knowledge = try r.vector("knowledge")
        clock = try r.int("clock")
    }
}

/// `POST /sync/v1/pull`: the next batch of the parent's log in the child's scope.
public struct PullRequest: Sendable, Equatable {
    public var envelope: SyncEnvelope
    /// The parent's log sequence the child has applied up to (exclusive start).
    public var since: Int64
    /// At most this many changes (the parent may send fewer; never more than 5,000).
    public var limit: Int64
    /// At most about this many bytes of changes (the parent may exceed it by one change).
    public var maxBytes: Int64

    public init(envelope: SyncEnvelope, since: Int64, limit: Int64 = 1_000, maxBytes: Int64 = 4 << 20) {
        self.envelope = envelope
        self.since = since
        self.limit = limit
        self.maxBytes = maxBytes
    }

    public var jsonValue: JSONValue {
        var m = envelope.members
        m["since"] = .number(Double(since))
        m["limit"] = .number(Double(limit))
        m["max_bytes"] = .number(Double(maxBytes))
        return .object(m)
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        envelope = try SyncEnvelope(r)
        since = try r.int("since")
        limit = try r.int("limit", min: 1, max: Int64(PushRequest.maximumChanges))
        maxBytes = try r.int("max_bytes", min: 1_024, max: 64 << 20)
    }
}

/// The parent's answer to a pull.
public struct PullResponse: Sendable, Equatable {
    /// The changes, in the parent's log order.
    public var changes: [ChangeRecord]
    /// The parent log position the batch covers up to: the child stores it as its pull
    /// checkpoint in the transaction that applies the batch.
    public var next: Int64
    /// True when the parent had nothing after `next` at the time of reading.
    public var complete: Bool
    /// The parent's knowledge vector. After a complete pull the child holds all of it
    /// that is in its scope.
    public var knowledge: VersionVector
    /// The parent's logical clock.
    public var clock: Int64

    public init(changes: [ChangeRecord], next: Int64, complete: Bool, knowledge: VersionVector, clock: Int64) {
        self.changes = changes
        self.next = next
        self.complete = complete
        self.knowledge = knowledge
        self.clock = clock
    }

    public var jsonValue: JSONValue {
        .object(["changes": .array(changes.map(\.jsonValue)), "next": .number(Double(next)), "complete": .bool(complete),
                 "knowledge": knowledge.jsonValue, "clock": .number(Double(clock))])
    }

    /// The JSON bytes of the response (same content as `jsonValue`, written directly).
    public var jsonBytes: [UInt8] {
        PushRequest.bytes(["next": .number(Double(next)), "complete": .bool(complete), "knowledge": knowledge.jsonValue,
                           "clock": .number(Double(clock))], arrayKey: "changes", changes)
    }

    public init(json: JSONValue) throws(MalformedMessage) {
        let r = try MessageReader(json)
        changes = try r.array("changes", maxCount: PushRequest.maximumChanges).enumerated().map { i, item throws(MalformedMessage) in
            try ChangeRecord(json: item, path: "changes[\(i)]")
        }
        next = try r.int("next")
        complete = try r.bool("complete")
        knowledge = try r.vector("knowledge")
        clock = try r.int("clock")
    }
}
