import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// A child node as its parent records it.
public struct ChildNode: Sendable, Equatable, Codable {
    public var node_id: String
    public var name: String
    public var units: [String]
    public var status: String
    public var status_message: String?
    public var push_checkpoint: Int64
    public var pull_checkpoint: Int64
    public var clock: Int64
    public var knowledge: [String: Int64]
    public var software: String?
    public var schema_version: String?
    public var last_contact_at: String?
    public var last_push_at: String?
    public var last_pull_at: String?
    public var last_error: String?
    public var changes_received: Int64
    public var changes_rejected: Int64
    /// The child's own writes this node does not have yet: its clock minus this node's
    /// knowledge of it (Protocol.md §7.3).
    public var lag_up: Int64
    /// Changes of other origins this node holds that the child has not confirmed
    /// holding (from the knowledge vectors of its last contact).
    public var lag_down: Int64
}

/// The parent side of sync: enrolment, node credentials, and the three requests.
extension NodeStore {
    // MARK: Enrolment

    /// Enrols a child node that will serve `unitIDs` (and everything below them):
    /// registers it in the replicated node registry and issues its credential, shown
    /// once. Returns the node id and the join token `<node id>.<secret>`.
    public func enrollChild(_ actor: Principal, name: String, unitIDs: [String], selfName: String) throws -> (nodeID: String, token: String) {
        guard actor.role == .admin else { throw NodeError.forbidden("Chỉ quản trị hệ thống được đăng ký nút.") }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 300 else {
            throw NodeError.validation([FieldError(field: "name", code: "required", message: "Cần tên nút (tối đa 300 ký tự).")])
        }
        guard !unitIDs.isEmpty else {
            throw NodeError.validation([FieldError(field: "units", code: "required", message: "Cần ít nhất một đơn vị do nút phục vụ.")])
        }
        let secret = RecordID.token()
        let childID = RecordID.make()
        try db.write { c in
            let map = try AuthorityMap(c)
            for unit in unitIDs where !map.knows(unit: unit) { throw NodeError.notFound("đơn vị \(unit)") }
            if let own = map.served[self.nodeID], !own.isEmpty {
                // A mid-tier node enrols children only inside what it serves itself.
                let mine = map.subtree(of: own)
                for unit in unitIDs where !mine.contains(unit) {
                    throw NodeError.validation([FieldError(field: "units", code: "out_of_scope", message: "Đơn vị \(unit) ngoài phạm vi của nút này.")])
                }
            }
            let wanted = map.subtree(of: unitIDs)
            for (other, units) in map.served where other != self.nodeID && map.nodeParents[other] == .some(self.nodeID) {
                let theirs = map.subtree(of: units)
                if !wanted.isDisjoint(with: theirs) {
                    throw NodeError.validation([FieldError(field: "units", code: "overlap", message: "Đơn vị đã do nút \(other) phục vụ; hãy thu hồi nút đó trước.")])
                }
            }
            let counter = try self.tick(c)
            let now = Timestamp.now()
            if try c.scalar("SELECT count(*) FROM nodes WHERE id = ?", [self.nodeID], as: Int.self) == 0 {
                let parent = try self.storedParentID(c)
                try c.execute("""
                    INSERT INTO nodes(id, name, parent_id, units, role, vv, origin, author, created_at, updated_at) VALUES (?, ?, ?, '[]', ?, ?, ?, ?, ?, ?)
                    """, [self.nodeID, selfName, parent, parent == nil ? "hub" : "node", self.nextVector(nil, counter: counter), self.nodeID,
                          actor.userID, now, now])
                try self.logChange(c, entity: "nodes", rowID: self.nodeID, counter: counter, personID: nil, scope: nil)
            }
            try c.execute("""
                INSERT INTO nodes(id, name, parent_id, units, role, vv, origin, author, created_at, updated_at) VALUES (?, ?, ?, ?, 'node', ?, ?, ?, ?, ?)
                """, [childID, name, self.nodeID, JSONValue.array(unitIDs.map(JSONValue.string)).jsonString(),
                      self.nextVector(nil, counter: counter), self.nodeID, actor.userID, now, now])
            try self.logChange(c, entity: "nodes", rowID: childID, counter: counter, personID: nil, scope: nil)
            try c.execute("INSERT INTO sync_children(node_id, secret_hash, created_at) VALUES (?, ?, ?)",
                          [childID, SHA256.hex(secret), now])
            try self.audit(c, actor, action: "enroll_node", entity: "node", entityID: childID,
                           changes: .object(["name": .string(name), "units": .array(unitIDs.map(JSONValue.string))]))
        }
        return (childID, "\(childID).\(secret)")
    }

    /// Retires a child: its credential stops working and it leaves the node registry,
    /// so its units fall back to this node's authority.
    public func retireChild(_ actor: Principal, nodeID child: String) throws {
        guard actor.role == .admin else { throw NodeError.forbidden("Chỉ quản trị hệ thống được thu hồi nút.") }
        try db.write { c in
            guard try c.scalar("SELECT count(*) FROM sync_children WHERE node_id = ?", [child], as: Int.self) == 1 else {
                throw NodeError.notFound("nút \(child)")
            }
            try c.execute("UPDATE sync_children SET status = 'retired', status_message = 'thu hồi bởi quản trị' WHERE node_id = ?", [child])
            if let vv = try c.scalar("SELECT vv FROM nodes WHERE id = ? AND deleted = 0", [child], as: String.self) {
                let counter = try self.tick(c)
                try c.execute("UPDATE nodes SET deleted = 1, vv = ?, origin = ?, author = ?, updated_at = ? WHERE id = ?",
                              [self.nextVector(vv, counter: counter), self.nodeID, actor.userID, Timestamp.now(), child])
                try self.logChange(c, entity: "nodes", rowID: child, counter: counter, personID: nil, scope: nil)
            }
            try self.audit(c, actor, action: "retire_node", entity: "node", entityID: child)
        }
    }

    /// The units a child serves, by node id (from the registry).
    func childUnits(_ c: Connection, _ child: String) throws -> [String] {
        let text = try c.scalar("SELECT units FROM nodes WHERE id = ? AND deleted = 0", [child], as: String.self) ?? "[]"
        return (try? JSONValue.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    // MARK: Authentication

    /// Checks a node credential (`<node id>.<secret>`) and returns the child's id.
    /// Retired nodes and nodes held for an identity problem are refused.
    public func authenticateChild(credential: String, claimedID: String?) throws -> String {
        let parts = credential.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SyncError(.unauthenticated, "Missing or malformed node credential.")
        }
        let row = try db.read { c in try c.row("SELECT secret_hash, status, status_message FROM sync_children WHERE node_id = ?", [parts[0]]) }
        guard let row, AuthMiddleware.constantTimeEqual(row.get("secret_hash") ?? "", SHA256.hex(parts[1])) else {
            throw SyncError(.unauthenticated, "Unknown node or wrong credential.")
        }
        if let claimedID, claimedID != parts[0] {
            throw SyncError(.forbidden, "The request names node \(claimedID) but the credential is node \(parts[0])'s.")
        }
        switch row.get("status", as: String.self) {
        case "retired": throw SyncError(.forbidden, "Node \(parts[0]) was retired by the administrator.")
        case "identity_conflict": throw SyncError(.identityConflict, row.get("status_message") ?? "Node identity conflict; re-enrol the node.")
        default: return parts[0]
        }
    }

    /// Hellos refused in a row, for push marks the child does not have, before it is held.
    /// A single such hello proves nothing: a delayed duplicate of a hello sent before the
    /// child's last push looks exactly like it (replication.md invariant 4: replaying or
    /// reordering a request changes nothing). A copy or a restored node repeats it at every
    /// attempt; the genuine child's next hello, which has the mark, resets the count.
    public static let identityStrikes = 3

    /// Counts a refused hello and holds the child at `identityStrikes` in a row.
    func strikeChild(_ child: String, _ error: SyncError) {
        let strikes = (try? db.write { c -> Int in
            try c.execute("UPDATE sync_children SET refused_hellos = refused_hellos + 1 WHERE node_id = ?", [child])
            return try c.scalar("SELECT refused_hellos FROM sync_children WHERE node_id = ?", [child], as: Int.self) ?? 0
        }) ?? 0
        if strikes >= Self.identityStrikes { holdChild(child, error) }
    }

    /// Holds a child proven to share its identity with another process until an
    /// administrator re-enrols it.
    public func holdChild(_ child: String, _ error: SyncError) {
        _ = try? db.write { c in
            try c.execute("UPDATE sync_children SET status = 'identity_conflict', status_message = ?, last_error = ? WHERE node_id = ?",
                          [error.message, "\(error.code.rawValue): \(error.message)", child])
        }
    }

    func checkProtocol(_ envelope: SyncEnvelope) throws {
        try Self.checkProtocol(envelope.protocolVersion, software: envelope.software, node: envelope.nodeID)
    }

    /// Refuses a child speaking a protocol version this parent does not serve, with a
    /// message that says which side to upgrade and to what (Protocol.md §7.11). Checked
    /// before a request body is decoded: another version's messages may not decode.
    public static func checkProtocol(_ version: Int64, software: String?, node: String?) throws {
        let served = oldestServedSyncProtocolVersion...syncProtocolVersion
        guard !served.contains(version) else { return }
        let child = "Node \(node ?? "?") runs hoso \(software ?? "(unknown version)") with sync protocol \(version)"
        let parent = "this parent runs hoso \(HosoVersion.current) and serves protocol \(served.lowerBound == served.upperBound ? "\(served.lowerBound)" : "\(served.lowerBound)–\(served.upperBound)")"
        var error = version < served.lowerBound
            ? SyncError(.protocolUnsupported, "\(child), older than \(parent). Upgrade hoso on that node to \(HosoVersion.current) or later; its local work is kept and syncs after the upgrade.")
            : SyncError(.protocolUnsupported, "\(child), newer than \(parent). Upgrade the parent first: a parent is upgraded before the nodes below it. The node's local work is kept and syncs after the upgrade.")
        error.servedProtocols = served
        error.parentSoftware = HosoVersion.current
        throw error
    }

    /// Refuses a child whose clock is behind what this node already has from it (at the
    /// handshake only: a replayed old push or pull carries an old clock legitimately;
    /// pushes are checked change by change instead).
    func checkNotRegressed(_ c: Connection, child: String, envelope: SyncEnvelope) throws {
        try checkProtocol(envelope)
        let known = try c.scalar("SELECT counter FROM knowledge WHERE origin = ?", [child], as: Int64.self) ?? 0
        if envelope.clock < known {
            throw SyncError(.nodeRegressed, "Node \(child) reports clock \(envelope.clock) but this node already holds its changes up to \(known): its database is older than what it sent before (restored from a backup, or a copy). Re-enrol it with `hoso hub enroll --replace \(child)`.")
        }
    }

    /// The last push this node applied for the child must be one the child remembers
    /// sending — unless it is older than every push the child remembers (this node was
    /// restored from a backup, which is harmless: the child re-sends).
    func checkPushMarks(_ c: Connection, child: String, marks: [PushMark]) throws {
        guard let row = try c.row("SELECT push_checkpoint, push_batch_id FROM sync_children WHERE node_id = ?", [child]),
              let batchID: String = row.get("push_batch_id"), let checkpoint: Int64 = row.get("push_checkpoint") else { return }
        if marks.contains(PushMark(toSeq: checkpoint, batchID: batchID)) { return }
        if let oldest = marks.map(\.toSeq).min(), checkpoint < oldest { return }
        throw SyncError(.identityConflict, "This node last applied push \(batchID) (up to \(checkpoint)) from node \(child), which that node does not remember sending: a second process is using the node's identity (a copied data directory), or it was restored from a backup. Both are refused until the administrator re-enrols the node (`hoso hub enroll --replace \(child)`).")
    }

    func touchChild(_ c: Connection, _ child: String, _ envelope: SyncEnvelope, extra: String = "", _ values: [DatabaseValueConvertible] = []) throws {
        try c.execute("""
            UPDATE sync_children SET status = CASE status WHEN 'enrolled' THEN 'active' ELSE status END, clock = ?, knowledge = ?,
                software = ?, schema_version = ?, last_contact_at = ?, last_error = NULL, refused_hellos = 0\(extra) WHERE node_id = ?
            """, [envelope.clock, envelope.knowledge.json, envelope.software, envelope.schema, Timestamp.now()] + values + [child])
    }

    // MARK: The three requests

    /// `hello`: the child learns where its pushes resume and what this node knows.
    public func hello(child: String, _ request: HelloRequest, name: String) throws -> HelloResponse {
        do {
            try db.read { c in
                try self.checkNotRegressed(c, child: child, envelope: request.envelope)
                try self.checkPushMarks(c, child: child, marks: request.pushMarks)
            }
        } catch let error as SyncError {
            if error.code == .identityConflict { strikeChild(child, error) }
            _ = try? db.write { c in
                try c.execute("UPDATE sync_children SET last_error = ?, last_contact_at = ? WHERE node_id = ?",
                              ["\(error.code.rawValue): \(error.message)", Timestamp.now(), child])
            }
            throw error
        }
        return try db.write { c in
            try self.touchChild(c, child, request.envelope, extra: ", pull_checkpoint = ?", [request.pullCheckpoint])
            try self.recordStatusReport(c, child: child, request.status)
            try self.recordSyncEvent(c, child: child, kind: "hello", detail: "clock \(request.envelope.clock), \(request.envelope.software), \(request.envelope.schema)"
                                     + (request.status?["pending_changes"]?.numberValue.flatMap { Int(exactly: $0.rounded()) }.map { ", \($0) chờ gửi" } ?? ""))
            return HelloResponse(parentID: self.nodeID, parentName: name,
                                 pushCheckpoint: try c.scalar("SELECT push_checkpoint FROM sync_children WHERE node_id = ?", [child], as: Int64.self) ?? 0,
                                 knowledge: try self.knowledge(c), clock: try self.clock(c), time: Timestamp.now())
        }
    }

    /// `push`: applies a child's batch and moves its checkpoint in one durable
    /// transaction (exactly-once effect), answering per change.
    public func acceptPush(child: String, _ request: PushRequest) throws -> PushResponse {
        let response = try db.durableWrite { c in
                try self.checkProtocol(request.envelope)
                let checkpoint = try c.scalar("SELECT push_checkpoint FROM sync_children WHERE node_id = ?", [child], as: Int64.self) ?? 0
                if request.fromSeq > checkpoint {
                    throw SyncError(.checkpointGap, "The push starts after \(request.fromSeq) but this node has the child's log only up to \(checkpoint).", checkpoint: checkpoint)
                }
                let map = try AuthorityMap(c)
                let roots = try self.childUnits(c, child)
                let known = try c.scalar("SELECT counter FROM knowledge WHERE origin = ?", [child], as: Int64.self) ?? 0
                let continued = request.continues ? request.changes.first?.vv[child] : nil
                var ctx = ApplyContext(source: .child(id: child, branch: map.subtree(of: roots), roots: Set(roots), knownCounter: known,
                                                      continued: continued), authority: map)
                var results: [ChangeResult] = []
                var applied: Int64 = 0
                for change in request.changes {
                    let result = try self.apply(c, change, &ctx)
                    if result.status == .applied { applied += 1 } else { results.append(result) }
                }
                try self.raiseKnowledge(c, to: ctx.knowledge)
                let newCheckpoint = max(checkpoint, request.toSeq)
                try self.touchChild(c, child, request.envelope,
                                    extra: ", push_checkpoint = ?, last_push_at = ?, changes_received = changes_received + ?, changes_rejected = changes_rejected + ?",
                                    [newCheckpoint, Timestamp.now(), ctx.applied + ctx.conflicts, ctx.rejected])
                try self.recordSyncEvent(c, child: child, kind: "push",
                                         detail: "\(request.changes.count) thay đổi: \(ctx.applied) áp dụng, \(ctx.conflicts) xung đột, \(ctx.rejected) từ chối")
                if request.toSeq >= checkpoint {
                    try c.execute("UPDATE sync_children SET push_batch_id = ? WHERE node_id = ?", [request.batchID, child])
                }
                return PushResponse(checkpoint: newCheckpoint, applied: applied, results: results, knowledge: try self.knowledge(c), clock: try self.clock(c))
        }
        if request.changes.contains(where: { $0.entity == ReplicatedTable.catalogueEntries.name }) { try reloadCatalogueCodes() }
        metrics.add("hoso_sync_batches_total", ["direction": "push", "side": "parent"])
        metrics.add("hoso_sync_rows_applied_total", ["side": "parent"], Double(response.applied))
        metrics.add("hoso_sync_rejections_total", ["side": "parent"], Double(response.results.filter { $0.status == .rejected }.count))
        metrics.add("hoso_sync_conflicts_total", ["side": "parent"], Double(response.results.filter { $0.status == .conflict }.count))
        return response
    }

    /// `pull`: the next batch of this node's log in the child's scope.
    public func servePull(child: String, _ request: PullRequest) throws -> PullResponse {
        let scope: [String] = try db.write { c in
            try self.checkProtocol(request.envelope)
            try self.touchChild(c, child, request.envelope, extra: ", pull_checkpoint = ?, last_pull_at = ?", [request.since, Timestamp.now()])
            return Array(try AuthorityMap(c).subtree(of: try self.childUnits(c, child)))
        }
        metrics.add("hoso_sync_batches_total", ["direction": "pull", "side": "parent"])
        return try pullBatch(for: child, scopeUnits: scope, since: request.since,
                             limit: Int(request.limit), maxBytes: Int(request.maxBytes))
    }

    // MARK: Status

    /// Every child this node enrolled, with its sync state and lag.
    public func children() throws -> [ChildNode] {
        try db.read { c in
            let mine = try self.knowledge(c)
            return try c.rows("""
                SELECT s.*, n.name, n.units FROM sync_children s LEFT JOIN nodes n ON n.id = s.node_id ORDER BY n.name, s.node_id
                """).map { row in
                let id: String = row.get("node_id") ?? ""
                let theirs = VersionVector(json: row.get("knowledge") ?? "{}")
                let clock: Int64 = row.get("clock") ?? 0
                var down: Int64 = 0
                for (origin, counter) in mine.entries where origin != id { down += max(0, counter - theirs[origin]) }
                return ChildNode(
                    node_id: id, name: row.get("name") ?? "", units: (try? JSONValue.parse(row.get("units") ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    status: row.get("status") ?? "", status_message: row.get("status_message"),
                    push_checkpoint: row.get("push_checkpoint") ?? 0, pull_checkpoint: row.get("pull_checkpoint") ?? 0, clock: clock,
                    knowledge: theirs.entries, software: row.get("software"), schema_version: row.get("schema_version"),
                    last_contact_at: row.get("last_contact_at"), last_push_at: row.get("last_push_at"), last_pull_at: row.get("last_pull_at"),
                    last_error: row.get("last_error"), changes_received: row.get("changes_received") ?? 0,
                    changes_rejected: row.get("changes_rejected") ?? 0, lag_up: max(0, clock - mine[id]), lag_down: down)
            }
        }
    }
}
