import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// What a client sends to request a transfer (điều động, luân chuyển, thuyên chuyển).
public struct HandoffRequest: Codable, Sendable {
    public var person_id: String
    public var to_unit_id: String
    /// `dieu_dong`, `luan_chuyen` or `thuyen_chuyen` (catalogue loai_bien_dong).
    public var event_type: String?
    public var decision_no: String?
    /// Ngày ký.
    public var decision_date: String?
    /// Ngày hiệu lực.
    public var effective_date: String?
    /// Người ký.
    public var signer: String?
    /// The position at the receiving unit.
    public var position_title: String?
    public var position_code: String?
    public var note: String?

    public init(person_id: String, to_unit_id: String, event_type: String? = nil, decision_no: String? = nil, decision_date: String? = nil,
                effective_date: String? = nil, signer: String? = nil, position_title: String? = nil, position_code: String? = nil, note: String? = nil) {
        self.person_id = person_id
        self.to_unit_id = to_unit_id
        self.event_type = event_type
        self.decision_no = decision_no
        self.decision_date = decision_date
        self.effective_date = effective_date
        self.signer = signer
        self.position_title = position_title
        self.position_code = position_code
        self.note = note
    }
}

/// A handoff as the API shows it.
public struct HandoffDTO: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var kind: String
        public var at: String
        public var node: String
        public var username: String?
        public var data: JSONValue
    }

    public var id: String
    public var person_id: String
    public var person_name: String?
    public var birth_date: String?
    public var from_unit: String
    public var from_unit_name: String?
    public var to_unit: String
    public var to_unit_name: String?
    public var state: String
    public var accepted: Bool
    public var frozen: Bool
    public var abort_reason: String?
    public var decision: JSONValue
    public var requested_at: String
    public var requested_by: String?
    public var coordinator: String?
    /// Days since the request, in the deadline's unit.
    public var age_days: Int
    public var deadline: String
    public var overdue: Bool
    public var steps: [Step]
}

/// Handoff settings (the `handoff` part of node.json).
public struct HandoffSettings: Codable, Sendable, Equatable {
    /// The regulation deadline for a transfer to be completed.
    public var deadline_days: Int = 15
    /// Count the deadline in working days (Monday–Friday).
    public var deadline_working_days: Bool = false
    /// Days after the request without a commit before the coordinator aborts.
    public var timeout_days: Int = 30
    /// Keep a read-only copy of a dossier transferred away (false: drop it).
    public var keep_transferred_copy: Bool = true
    /// The deadline for recording a status movement (from its effective date).
    public var movement_deadline_days: Int = 15
    public var movement_deadline_working_days: Bool = false

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deadline_days = try c.decodeIfPresent(Int.self, forKey: .deadline_days) ?? 15
        deadline_working_days = try c.decodeIfPresent(Bool.self, forKey: .deadline_working_days) ?? false
        timeout_days = try c.decodeIfPresent(Int.self, forKey: .timeout_days) ?? 30
        keep_transferred_copy = try c.decodeIfPresent(Bool.self, forKey: .keep_transferred_copy) ?? true
        movement_deadline_days = try c.decodeIfPresent(Int.self, forKey: .movement_deadline_days) ?? 15
        movement_deadline_working_days = try c.decodeIfPresent(Bool.self, forKey: .movement_deadline_working_days) ?? false
        for (key, value) in [("deadline_days", deadline_days), ("timeout_days", timeout_days), ("movement_deadline_days", movement_deadline_days)]
            where !(1...3_650).contains(value) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "handoff.\(key) must be 1…3650 days"))
        }
    }

    public var deadline: Deadline { Deadline(days: deadline_days, workingDays: deadline_working_days) }
    public var movementDeadline: Deadline { Deadline(days: movement_deadline_days, workingDays: movement_deadline_working_days) }
}

extension NodeStore {
    static let transferEventTypes: Set<String> = ["dieu_dong", "luan_chuyen", "thuyen_chuyen", "biet_phai"]

    // MARK: Reading events

    func handoffEvents(_ c: Connection, where clause: String, _ arguments: [DatabaseValueConvertible]) throws -> [String: [HandoffEvent]] {
        var byHandoff: [String: [HandoffEvent]] = [:]
        for row in try c.rows("SELECT handoff_id, kind, at, node, username, data FROM handoff_events WHERE deleted = 0 AND \(clause)", arguments) {
            guard let id: String = row.get("handoff_id"), let kind = HandoffEvent.Kind(rawValue: row.get("kind") ?? "") else { continue }
            let data = (try? JSONValue.parse(row.get("data") ?? "{}"))?.objectValue ?? [:]
            byHandoff[id, default: []].append(HandoffEvent(kind: kind, at: row.get("at") ?? "", node: row.get("node") ?? "",
                                                           user: row.get("username"), data: data))
        }
        return byHandoff
    }

    /// The states of every handoff of a person.
    func handoffStates(_ c: Connection, person: String) throws -> [String: HandoffState] {
        try handoffEvents(c, where: "person_id = ?", [person]).mapValues(HandoffState.init)
    }

    /// Whether the person's dossier is frozen by a handoff in progress.
    func isFrozen(_ c: Connection, person: String) throws -> Bool {
        try handoffStates(c, person: person).values.contains(where: \.freezesDossier)
    }

    /// Refuses a local write to a frozen dossier.
    func requireNotFrozen(_ c: Connection, person: String) throws {
        if try isFrozen(c, person: person) {
            throw NodeError(.conflict, "frozen_in_handoff",
                            "Hồ sơ đang trong thủ tục điều động, chuyển đơn vị; không sửa được cho đến khi hoàn tất hoặc hủy thủ tục.")
        }
    }

    /// Why a child's change to a frozen dossier is refused: after the sending unit has
    /// prepared, only versions included in its final vector are part of the dossier that moves.
    func frozenDenial(_ c: Connection, person: String, _ change: ChangeRecord) throws -> (reason: String, message: String)? {
        for state in try handoffStates(c, person: person).values where state.freezesDossier {
            guard let prepare = state[.prepare] else { continue }
            let final = VersionVector(validating: prepare.data["vv"] ?? .null) ?? VersionVector()
            switch change.vv.compare(final) {
            case .dominated, .equal: continue
            case .dominates, .concurrent:
                return ("frozen_in_handoff", "Hồ sơ đã khóa để chuyển sang đơn vị khác; thay đổi sau khi khóa không được nhận.")
            }
        }
        return nil
    }

    /// Whether a committed handoff moved the person from `from` to `to`.
    func hasCommittedHandoff(_ c: Connection, person: String, from: String, to: String) throws -> Bool {
        try c.scalar("SELECT count(*) FROM handoff_events WHERE person_id = ? AND kind = 'commit' AND from_unit = ? AND to_unit = ? AND deleted = 0",
                     [person, from, to], as: Int.self) ?? 0 > 0
    }

    // MARK: Writing events

    /// Writes one event (once: an event that exists is left as it is) and logs it for
    /// both units' replicas.
    @discardableResult
    func writeHandoffEvent(_ c: Connection, handoff: String, kind: HandoffEvent.Kind, person: String, from: String, to: String,
                           actor: Principal?, data: JSONObject = [:]) throws -> Bool {
        let id = HandoffEvent.id(handoff: handoff, kind: kind)
        // A tombstone under this id is what is left of a forged event that a parent refused
        // (§7.6): the genuine step replaces it with a version that dominates the tombstone.
        let existing = try c.row("SELECT deleted, vv FROM handoff_events WHERE id = ?", [id])
        if let existing, existing.get("deleted") != true { return false }
        if existing != nil { try c.execute("DELETE FROM handoff_events WHERE id = ?", [id]) }
        let counter = try tick(c)
        let now = Timestamp.now()
        try c.execute("""
            INSERT INTO handoff_events(id, handoff_id, kind, person_id, from_unit, to_unit, at, node, user_id, username, data,
                                       vv, origin, author, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, handoff, kind.rawValue, person, from, to, now, nodeID, actor?.userID, actor?.username,
                  JSONValue.object(data).jsonString(), nextVector(existing?.get("vv"), counter: counter), nodeID, actor?.userID, now, now])
        try logChange(c, entity: ReplicatedTable.handoffEvents.name, rowID: id, counter: counter, personID: person, scope: from, scope2: to)
        return true
    }

    // MARK: API

    /// Requests a transfer of a dossier to another unit. The owning unit's HR, an HR of
    /// a unit above it, or an admin may; it may be made while the owning node is offline
    /// (the transfer then waits for that node to prepare).
    public func requestHandoff(_ actor: Principal, _ input: HandoffRequest) throws -> HandoffDTO {
        try actor.require(.writeDossier)
        var errors: [FieldError] = []
        if let type = input.event_type, !Self.transferEventTypes.contains(type) {
            errors.append(FieldError(field: "event_type", code: "invalid_format", message: "Loại biến động phải là điều động, luân chuyển, thuyên chuyển hoặc biệt phái."))
        }
        for (field, value) in [("decision_date", input.decision_date), ("effective_date", input.effective_date)] {
            if let value, CalendarDate(iso: value) == nil {
                errors.append(FieldError(field: field, code: "invalid_format", message: "Ngày không hợp lệ (yyyy-MM-dd)."))
            }
        }
        for (field, value, max) in [("decision_no", input.decision_no, 50), ("signer", input.signer, 100), ("position_title", input.position_title, 200),
                                    ("note", input.note, 1_000)] as [(String, String?, Int)] {
            if let value, value.count > max { errors.append(FieldError(field: field, code: "too_long", message: "Dài quá \(max) ký tự.")) }
        }
        if let code = input.position_code, !codes.contains(.chucVu, code) {
            errors.append(FieldError(field: "position_code", code: "unknown_code", message: "Mã chức vụ '\(code)' không có trong danh mục."))
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        let handoffID = RecordID.make()
        try db.write { c in
            // (Write permission was checked above; the frozen case gets its own answer.)
            let person = try self.authorisedPerson(c, actor, id: input.person_id, permission: .readDossier)
            let from: String = person.get("unit_id") ?? ""
            if try self.isFrozen(c, person: input.person_id) {
                throw NodeError(.conflict, "handoff_in_progress", "Hồ sơ đang có một thủ tục chuyển chưa kết thúc.")
            }
            try self.requireWritable(c, actor, person: input.person_id, archived: false)
            if person.get("archived_at", as: String.self) != nil {
                throw NodeError(.conflict, "archived", "Hồ sơ đã lưu trữ; không chuyển được.")
            }
            try self.requireServed(c, unit: from, step: "đề nghị chuyển hồ sơ")
            let target = try self.referencedUnit(c, id: input.to_unit_id, field: "to_unit_id")
            guard target.id != from else {
                throw NodeError.validation([FieldError(field: "to_unit_id", code: "inconsistent", message: "Đơn vị nhận trùng đơn vị đang quản lý hồ sơ.")])
            }
            var decision: JSONObject = [:]
            for (key, value) in [("event_type", input.event_type ?? "dieu_dong"), ("decision_no", input.decision_no), ("decision_date", input.decision_date),
                                 ("effective_date", input.effective_date), ("signer", input.signer), ("position_title", input.position_title),
                                 ("position_code", input.position_code), ("note", input.note)] as [(String, String?)] {
                if let value { decision[key] = .string(value) }
            }
            // What the receiving unit needs to decide before it holds the dossier.
            decision["person_name"] = .string(person.get("full_name") ?? "")
            decision["birth_date"] = person.get("birth_date", as: String.self).map(JSONValue.string) ?? .null
            try self.writeHandoffEvent(c, handoff: handoffID, kind: .request, person: input.person_id, from: from, to: target.id,
                                       actor: actor, data: decision)
            try self.audit(c, actor, action: "handoff_request", entity: "handoff", entityID: handoffID, personID: input.person_id, unitID: from,
                           changes: .object(["to_unit": .string(target.id), "decision_no": input.decision_no.map(JSONValue.string) ?? .null]))
        }
        try advanceHandoffs()
        return try handoff(actor, id: handoffID)
    }

    /// The receiving unit accepts, refuses (with a reason), or the requesting side cancels.
    public func answerHandoff(_ actor: Principal, id: String, kind: HandoffEvent.Kind, reason: String?) throws -> HandoffDTO {
        precondition([.accept, .refuse, .cancel].contains(kind))
        try actor.require(.writeDossier)
        if kind != .accept, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw NodeError.validation([FieldError(field: "reason", code: "required", message: "Cần nêu lý do.")])
        }
        try db.write { c in
            let state = HandoffState(try self.handoffEvents(c, where: "handoff_id = ?", [id])[id] ?? [])
            guard state.has(.request),
                  let row = try c.row("SELECT person_id, from_unit, to_unit FROM handoff_events WHERE handoff_id = ? AND kind = 'request' AND deleted = 0", [id]) else {
                throw NodeError.notFound("thủ tục chuyển hồ sơ")
            }
            let personID: String = row.get("person_id") ?? "", from: String = row.get("from_unit") ?? "", to: String = row.get("to_unit") ?? ""
            let side = kind == .cancel ? from : to
            guard actor.reaches(unit: side) else {
                throw NodeError.forbidden(kind == .cancel ? "Chỉ đơn vị chuyển đi hoặc cấp trên được hủy." : "Chỉ đơn vị nhận hoặc cấp trên được trả lời.")
            }
            guard !state.has(.commit), !state.has(.abort) else {
                throw NodeError(.conflict, "handoff_finished", "Thủ tục đã \(state.has(.commit) ? "hoàn tất" : "kết thúc"); không thay đổi được nữa.")
            }
            try self.requireServed(c, unit: side, step: kind == .cancel ? "hủy thủ tục" : "trả lời thủ tục")
            var data: JSONObject = [:]
            if let reason { data["reason"] = .string(String(reason.prefix(1_000))) }
            // One answer of each kind per handoff: a second accept (from another node of
            // the receiving branch) is the same answer and is not written again.
            try self.writeHandoffEvent(c, handoff: id, kind: kind, person: personID, from: from, to: to, actor: actor, data: data)
            try self.audit(c, actor, action: "handoff_\(kind.rawValue)", entity: "handoff", entityID: id, personID: personID, unitID: side,
                           changes: reason.map { .object(["reason": .string($0)]) })
        }
        try advanceHandoffs()
        return try handoff(actor, id: id)
    }

    /// Refuses a handoff step at a node that does not serve `unit` (its parent would
    /// refuse the event: each step belongs to one side's branch of the node tree).
    func requireServed(_ c: Connection, unit: String, step: String) throws {
        guard try AuthorityMap(c).serves(node: nodeID, unit: unit) else {
            let name = try c.scalar("SELECT name FROM units WHERE id = ?", [unit], as: String.self) ?? unit
            throw NodeError(.conflict, "not_served_here",
                            "Nút này không quản lý \(name); hãy \(step) tại nút của đơn vị đó hoặc của cấp trên.")
        }
    }

    /// One handoff with its history.
    public func handoff(_ actor: Principal, id: String) throws -> HandoffDTO {
        let settings = handoffConfiguration.get()
        let dto = try db.read { c -> HandoffDTO? in
            // Without its request (refused upstream) a handoff is void: nothing to show.
            guard let events = try self.handoffEvents(c, where: "handoff_id = ?", [id])[id],
                  events.contains(where: { $0.kind == .request }) else { return nil }
            return try self.handoffDTO(c, id: id, events: events, settings: settings, today: .today())
        }
        guard let dto, actor.role.scope == .province || actor.reaches(unit: dto.from_unit) || actor.reaches(unit: dto.to_unit) else {
            throw NodeError.notFound("thủ tục chuyển hồ sơ")
        }
        return dto
    }

    /// Handoffs in reach: `direction` in (to a unit in reach), out (from one), or all;
    /// `active` only those not finished.
    public func handoffs(_ actor: Principal, direction: String?, active: Bool, today: CalendarDate = .today()) throws -> [HandoffDTO] {
        let settings = handoffConfiguration.get()
        guard actor.role.scope != .ownDossier else { throw NodeError.forbidden() }
        return try db.read { c in
            let all = try self.handoffEvents(c, where: "1 = 1", [])
            return try all.compactMap { id, events -> HandoffDTO? in
                guard events.contains(where: { $0.kind == .request }) else { return nil }
                let dto = try self.handoffDTO(c, id: id, events: events, settings: settings, today: today)
                if active && (dto.state == "delivered" || dto.state == "aborted") { return nil }
                let outbound = actor.role.scope == .province || actor.reaches(unit: dto.from_unit)
                let inbound = actor.role.scope == .province || actor.reaches(unit: dto.to_unit)
                switch direction {
                case "in": return inbound ? dto : nil
                case "out": return outbound ? dto : nil
                default: return inbound || outbound ? dto : nil
                }
            }.sorted { $0.requested_at > $1.requested_at }
        }
    }

    func handoffDTO(_ c: Connection, id: String, events: [HandoffEvent], settings: HandoffSettings, today: CalendarDate) throws -> HandoffDTO {
        let state = HandoffState(events)
        let head = try c.row("SELECT person_id, from_unit, to_unit FROM handoff_events WHERE handoff_id = ? AND deleted = 0 ORDER BY kind <> 'request', at LIMIT 1", [id])
        let personID: String = head?.get("person_id") ?? "", from: String = head?.get("from_unit") ?? "", to: String = head?.get("to_unit") ?? ""
        let request = state[.request]
        func unitName(_ unit: String) throws -> String? { try c.scalar("SELECT name FROM units WHERE id = ?", [unit], as: String.self) }
        let requestedAt = request?.at ?? events.map(\.at).min() ?? ""
        let start = FastFormat.parseTimestamp(requestedAt).map { CalendarDate.today(now: $0) } ?? today
        let end = state.isFinal ? (state[.deliver] ?? state[.abort]).flatMap { FastFormat.parseTimestamp($0.at) }.map { CalendarDate.today(now: $0) } ?? today : today
        let deadline = settings.deadline
        let map = try AuthorityMap(c)
        var decision = request?.data ?? [:]
        decision.removeValue(forKey: "person_name")
        decision.removeValue(forKey: "birth_date")
        return HandoffDTO(
            id: id, person_id: personID, person_name: request?.data["person_name"]?.stringValue,
            birth_date: request?.data["birth_date"]?.stringValue, from_unit: from, from_unit_name: try unitName(from), to_unit: to,
            to_unit_name: try unitName(to), state: state.phase.rawValue, accepted: state.has(.accept), frozen: state.freezesDossier,
            abort_reason: state.abortReason, decision: .object(decision), requested_at: requestedAt, requested_by: request?.user,
            coordinator: map.coordinator(from: from, to: to), age_days: deadline.elapsed(from: start, to: end), deadline: deadline.label,
            overdue: state.phase != .aborted && deadline.isOverdue(from: start, to: end),
            steps: events.sorted { $0.at < $1.at }.map { HandoffDTO.Step(kind: $0.kind.rawValue, at: $0.at, node: $0.node, username: $0.user, data: .object($0.data)) })
    }

    // MARK: The engine

    /// Takes every step this node is due to take in every unfinished handoff it knows:
    /// prepare as the sending unit's node, commit or abort as the coordinator, deliver as
    /// the receiving unit's node. Each step is one transaction that re-checks the state,
    /// so running this again (after a crash, concurrently) does no step twice.
    /// Returns the number of steps taken.
    @discardableResult
    public func advanceHandoffs(settings explicit: HandoffSettings? = nil, now: Date = Date()) throws -> Int {
        let settings = explicit ?? handoffConfiguration.get()
        let machine = HandoffMachine(timeout: Double(settings.timeout_days) * 86_400)
        let pending: [String] = try db.read { c in
            // Unfinished handoffs, and finished transfers away from this node's units whose
            // copy it has not marked as transferred out yet.
            let map = try AuthorityMap(c)
            return try c.rows("""
                SELECT e.handoff_id, e.from_unit, e.to_unit,
                       EXISTS (SELECT 1 FROM handoff_events d WHERE d.handoff_id = e.handoff_id AND d.kind = 'deliver' AND d.deleted = 0) AS delivered,
                       EXISTS (SELECT 1 FROM transferred_out t WHERE t.handoff_id = e.handoff_id) AS marked
                FROM handoff_events e WHERE e.kind = 'request' AND e.deleted = 0 AND NOT EXISTS
                    (SELECT 1 FROM handoff_events a WHERE a.handoff_id = e.handoff_id AND a.kind = 'abort' AND a.deleted = 0)
                """).compactMap { row -> String? in
                guard let id: String = row.get("handoff_id") else { return nil }
                if row.get("delivered") != true { return id }
                let from: String = row.get("from_unit") ?? "", to: String = row.get("to_unit") ?? ""
                let leaves = map.serves(node: self.nodeID, unit: from) && !map.serves(node: self.nodeID, unit: to)
                return leaves && row.get("marked") != true ? id : nil
            }
        }
        var steps = try db.write { c in try self.clearReturnedTransfers(c) }
        for id in pending {
            // Steps follow one another (prepare → commit → deliver can all be this node's).
            for _ in 0..<4 {
                let took = try db.write { c -> Bool in
                    guard let events = try self.handoffEvents(c, where: "handoff_id = ?", [id])[id],
                          let head = try c.row("SELECT person_id, from_unit, to_unit FROM handoff_events WHERE handoff_id = ? AND kind = 'request' AND deleted = 0", [id]) else { return false }
                    let state = HandoffState(events)
                    let person: String = head.get("person_id") ?? "", from: String = head.get("from_unit") ?? "", to: String = head.get("to_unit") ?? ""
                    let map = try AuthorityMap(c)
                    let me = self.nodeID
                    let roles = HandoffMachine.Roles(sender: (map.authority(forUnit: from) ?? me) == me,
                                                     receiver: (map.authority(forUnit: to) ?? me) == me,
                                                     coordinator: (map.coordinator(from: from, to: to) ?? me) == me)
                    // The sending node, and any node between it and the coordinator, keeps
                    // only a read-only copy once the dossier has left its branch.
                    if state.phase == .committed || state.phase == .delivered, map.serves(node: me, unit: from), !map.serves(node: me, unit: to) {
                        try self.markTransferredOut(c, person: person, handoff: id, from: from, to: to, keep: settings.keep_transferred_copy)
                    }
                    let requestedAt = state[.request].flatMap { FastFormat.parseTimestamp($0.at) }?.timeIntervalSince1970 ?? now.timeIntervalSince1970
                    let prepared = VersionVector(validating: state[.prepare]?.data["vv"] ?? .null) ?? VersionVector()
                    let dossier = try self.dossierVector(c, person: person)
                    let committed = VersionVector(validating: state[.commit]?.data["vv"] ?? .null) ?? VersionVector()
                    let personUnit = try c.scalar("SELECT unit_id FROM person WHERE id = ? AND deleted = 0", [person], as: String.self)
                    // Delivery also counts a dossier deleted after the commit: its tombstone
                    // under the new unit is what arrived (else the transfer stays committed
                    // forever; found by ConvergenceTests).
                    let storedUnit = try c.scalar("SELECT unit_id FROM person WHERE id = ?", [person], as: String.self)
                    let others = try self.otherTransfers(c, person: person, besides: id)
                    var obstacle: String?
                    if try c.scalar("SELECT deleted FROM person WHERE id = ?", [person], as: Int.self) == 1 {
                        obstacle = "dossier_deleted"
                    } else if let latest = others.latestCommit, latest.to != from {
                        obstacle = "superseded"   // another transfer took the dossier elsewhere
                    }
                    let away = try c.scalar("SELECT count(*) FROM transferred_out WHERE person_id = ?", [person], as: Int.self) ?? 0 > 0
                    guard let action = machine.next(state, roles: roles, now: now.timeIntervalSince1970, requestedAt: requestedAt,
                                                    haveDossierAtVector: personUnit == from && dossier.includes(prepared),
                                                    haveDossierDelivered: storedUnit == to && dossier.includes(committed),
                                                    mayPrepare: personUnit == from && !away && !others.preparing,
                                                    obstacle: obstacle) else { return false }
                    switch action {
                    case .prepare:
                        guard personUnit == from else { return false }   // not here yet
                        try self.writeHandoffEvent(c, handoff: id, kind: .prepare, person: person, from: from, to: to, actor: nil,
                                                   data: ["vv": dossier.jsonValue])
                    case .commit:
                        try self.commitHandoff(c, id: id, state: state, person: person, from: from, to: to)
                    case .abort(let reason):
                        try self.writeHandoffEvent(c, handoff: id, kind: .abort, person: person, from: from, to: to, actor: nil,
                                                   data: ["reason": .string(reason)])
                    case .deliver:
                        try self.writeHandoffEvent(c, handoff: id, kind: .deliver, person: person, from: from, to: to, actor: nil,
                                                   data: ["vv": dossier.jsonValue])
                        // The dossier is back at a node that once saw it leave: it is live here again.
                        try c.execute("DELETE FROM transferred_out WHERE person_id = ?", [person])
                    }
                    return true
                }
                guard took else { break }
                steps += 1
            }
        }
        return steps
    }

    /// Clears the transferred-out mark of dossiers a later transfer brought back into a
    /// unit this replica serves, once their rows under that unit have arrived. The
    /// receiving node clears its own mark when it delivers; this covers every other node
    /// that serves the unit — a mid-tier node above the receiver never delivers, and kept
    /// a returned dossier hidden from its lists and digest (found by ConvergenceTests).
    /// Returns the number of marks cleared.
    func clearReturnedTransfers(_ c: Connection) throws -> Int {
        let marks = try c.rows("SELECT person_id, handoff_id FROM transferred_out")
        guard !marks.isEmpty else { return 0 }
        let map = try AuthorityMap(c)
        var cleared = 0
        for mark in marks {
            guard let person: String = mark.get("person_id"), let handoff: String = mark.get("handoff_id"),
                  let latest = try otherTransfers(c, person: person, besides: handoff).latestCommit,
                  latest.vv.compare(try commitVector(c, handoff: handoff)) == .dominates,
                  map.serves(node: nodeID, unit: latest.to),
                  try c.scalar("SELECT unit_id FROM person WHERE id = ? AND deleted = 0", [person], as: String.self) == latest.to
            else { continue }
            try c.execute("DELETE FROM transferred_out WHERE person_id = ?", [person])
            cleared += 1
        }
        return cleared
    }

    /// What this replica knows of a person's other transfers: whether one is prepared
    /// and not yet committed or aborted (the sender prepares one transfer at a time), and
    /// the latest committed one (commits of one dossier are causally ordered: each names
    /// a version that includes the one before).
    func otherTransfers(_ c: Connection, person: String, besides handoff: String) throws -> (preparing: Bool, latestCommit: (to: String, vv: VersionVector)?) {
        var preparing = false
        for (_, events) in try handoffEvents(c, where: "person_id = ? AND handoff_id <> ?", [person, handoff]) {
            let state = HandoffState(events)
            if state.has(.request) && state.phase == .prepared { preparing = true }
        }
        var latest: (to: String, vv: VersionVector)?
        for row in try c.rows("SELECT to_unit, data FROM handoff_events WHERE person_id = ? AND kind = 'commit' AND handoff_id <> ? AND deleted = 0",
                              [person, handoff]) {
            let vv = VersionVector(validating: (try? JSONValue.parse(row.get("data") ?? "{}"))?["vv"] ?? .null) ?? VersionVector()
            if latest.map({ vv.includes($0.vv) }) ?? true { latest = (row.get("to_unit") ?? "", vv) }
        }
        return (preparing, latest)
    }

    /// The dossier version a handoff's commit names (empty before the commit).
    func commitVector(_ c: Connection, handoff: String) throws -> VersionVector {
        let data = try c.scalar("SELECT data FROM handoff_events WHERE id = ? AND deleted = 0", [HandoffEvent.id(handoff: handoff, kind: .commit)], as: String.self)
        return VersionVector(validating: data.flatMap { try? JSONValue.parse($0) }?["vv"] ?? .null) ?? VersionVector()
    }

    /// The join of the vectors of a dossier's rows (person and history, tombstones too).
    func dossierVector(_ c: Connection, person: String) throws -> VersionVector {
        var vector = VersionVector()
        for table in [ReplicatedTable.person] + ReplicatedTable.dossierParts {
            let column = table.name == DossierSchema.person.name ? "id" : "person_id"
            for row in try c.rows("SELECT vv FROM \(table.name) WHERE \(column) = ?", [person]) {
                vector.formJoin(VersionVector(json: row.get("vv") ?? "{}"))
            }
        }
        return vector
    }

    /// The coordinator's commit, in one transaction: the commit event, the person's new
    /// owning unit (and position), the work-history and salary entries for the move, and
    /// every row of the dossier logged again under the receiving unit so its replicas pull it.
    func commitHandoff(_ c: Connection, id: String, state: HandoffState, person: String, from: String, to: String) throws {
        guard let request = state[.request], let row = try c.row("SELECT * FROM person WHERE id = ?", [person]) else { return }
        let decision = request.data
        let counter = try tick(c)
        let now = Timestamp.now()
        let effective = decision["effective_date"]?.stringValue ?? String(now.prefix(10))
        let fromName = try c.scalar("SELECT name FROM units WHERE id = ?", [from], as: String.self) ?? from
        let toName = try c.scalar("SELECT name FROM units WHERE id = ?", [to], as: String.self) ?? to
        let eventType = decision["event_type"]?.stringValue ?? "dieu_dong"
        let verb = ["dieu_dong": "Điều động", "luan_chuyen": "Luân chuyển", "thuyen_chuyen": "Thuyên chuyển", "biet_phai": "Biệt phái"][eventType] ?? "Điều động"

        var personRecord = record(table: .person, row: row, seq: 0, scope: nil)
        personRecord.data["unit_id"] = .string(to)
        if let title = decision["position_title"] { personRecord.data["position_title"] = title }
        if let code = decision["position_code"] { personRecord.data["position_code"] = code }
        personRecord.vv[nodeID] = counter
        personRecord.origin = nodeID
        personRecord.author = nil
        personRecord.updatedAt = now
        try writeRow(c, .person, personRecord)

        var ctx = ApplyContext(source: .parent(id: ""), authority: try AuthorityMap(c))
        ctx.personUnits[person] = .some(to)
        func addRow(_ table: ReplicatedTable, _ data: JSONObject) throws {
            let change = ChangeRecord(seq: 0, entity: table.name, id: RecordID.make(), origin: nodeID, vv: VersionVector([nodeID: counter]),
                                      author: nil, createdAt: now, updatedAt: now, deleted: false, scope: to, data: data)
            try writeRow(c, table, change)
        }
        var work: JSONObject = [
            "person_id": .string(person), "from_month": .string(String(effective.prefix(7))),
            "description": .string("\(verb) từ \(fromName) đến \(toName)" + (decision["position_title"]?.stringValue.map { ", \($0)" } ?? "")),
            "event_type": .string(eventType),
        ]
        for key in ["decision_no", "decision_date", "effective_date", "signer"] { if let v = decision[key] { work[key] = v } }
        try addRow(ReplicatedTable.dossierParts.first { $0.name == DossierSchema.workHistory.name }!, work)
        if let ngach = personRecord.data["ngach"], let step = personRecord.data["salary_step"], let coefficient = personRecord.data["salary_coefficient"] {
            var salary: JSONObject = ["person_id": .string(person), "effective_date": .string(effective), "ngach": ngach, "step": step,
                                      "coefficient": coefficient]
            for key in ["position_allowance", "over_scale_percent", "next_raise_date"] { if let v = personRecord.data[key] { salary[key] = v } }
            for key in ["decision_no", "decision_date"] { if let v = decision[key] { salary[key] = v } }
            try addRow(ReplicatedTable.dossierParts.first { $0.name == DossierSchema.salary.name }!, salary)
        }
        // The commit names the dossier's version at the moment it changed hands: the
        // receiving node delivers once it holds that version (a copy it kept from an
        // earlier transfer away does not count).
        try writeHandoffEvent(c, handoff: id, kind: .commit, person: person, from: from, to: to, actor: nil,
                              data: ["vv": try dossierVector(c, person: person).jsonValue])
        // Every row of the dossier goes into the log again under the new unit, so the
        // receiving unit's replicas pull all of it (they held none of it before).
        for table in [ReplicatedTable.person] + ReplicatedTable.dossierParts {
            let column = table.name == DossierSchema.person.name ? "id" : "person_id"
            for stored in try c.rows("SELECT * FROM \(table.name) WHERE \(column) = ?", [person]) {
                let record = self.record(table: table, row: stored, seq: 0, scope: to)
                try logRow(c, table, record, via: nil, &ctx)
            }
        }
        try audit(c, .commandLine("handoff"), action: "handoff_commit", entity: "handoff", entityID: id, personID: person, unitID: to,
                  changes: .object(["from_unit": .string(from), "to_unit": .string(to)]))
    }

    /// Records that a dossier left a unit this replica serves (and drops the copy when
    /// the configuration says so).
    func markTransferredOut(_ c: Connection, person: String, handoff: String, from: String, to: String, keep: Bool) throws {
        guard try c.scalar("SELECT count(*) FROM transferred_out WHERE person_id = ? AND handoff_id = ?", [person, handoff], as: Int.self) == 0 else { return }
        // A later transfer of the same dossier (back to a unit served here, or on from
        // there) supersedes this one: its commit names a version that includes this one's.
        let mine = try commitVector(c, handoff: handoff)
        for row in try c.rows("SELECT handoff_id, data FROM handoff_events WHERE person_id = ? AND kind = 'commit' AND handoff_id <> ? AND deleted = 0", [person, handoff]) {
            let other = VersionVector(validating: (try? JSONValue.parse(row.get("data") ?? "{}"))?["vv"] ?? .null) ?? VersionVector()
            if other.compare(mine) == .dominates { return }
        }
        try c.execute("INSERT OR REPLACE INTO transferred_out(person_id, handoff_id, from_unit, to_unit, at) VALUES (?, ?, ?, ?, ?)",
                      [person, handoff, from, to, Timestamp.now()])
        if !keep {
            for table in ReplicatedTable.dossierParts {
                try c.execute("DELETE FROM \(table.name) WHERE person_id = ?", [person])
                try c.execute("DELETE FROM change_log WHERE entity = ? AND person_id = ?", [table.name, person])
            }
            try c.execute("DELETE FROM person WHERE id = ?", [person])
            try c.execute("DELETE FROM change_log WHERE entity = 'person' AND row_id = ?", [person])
        }
    }
}

/// The handoff settings a store works with (set by the runtime from node.json).
///
/// `@unchecked Sendable`: `lock` guards `value`.
public final class HandoffConfiguration: @unchecked Sendable {
    private let lock = NSLock()
    private var value = HandoffSettings()
    public func get() -> HandoffSettings { lock.lock(); defer { lock.unlock() }; return value }
    public func set(_ settings: HandoffSettings) { lock.lock(); value = settings; lock.unlock() }
}

extension AuthorityMap {
    /// Whether `unit` is among the units `node` serves or below them (the hub serves all).
    func serves(node: String, unit: String) -> Bool {
        if node == root || served[node] == nil { return true }
        return subtree(of: served[node] ?? []).contains(unit)
    }

    /// The node that coordinates a handoff between two units: the lowest common
    /// ancestor of their authorities in the node tree (nil when nothing is known).
    func coordinator(from: String, to: String) -> String? {
        guard let a = authority(forUnit: from), let b = authority(forUnit: to) else { return authority(forUnit: from) ?? authority(forUnit: to) }
        var ancestors: [String] = []
        var current: String? = a
        while let n = current, ancestors.count < 1_000 { ancestors.append(n); current = nodeParents[n] ?? nil }
        current = b
        var steps = 0
        while let n = current, steps < 1_000 {
            if ancestors.contains(n) { return n }
            current = nodeParents[n] ?? nil
            steps += 1
        }
        return root
    }
}
