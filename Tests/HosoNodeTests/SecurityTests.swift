import Foundation
import Glibc
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication
import HosoSQLite
import HosoTestSupport
import Testing

// The security suite (issue 8): hostile clients, each refused cleanly while the server
// keeps serving everyone else. It builds on, and does not repeat, what other suites
// already prove:
// - PermissionTests: the role × scope matrix on dossiers, units and accounts;
// - ReplicationTests: forged changes (`forgedChangesAreRefusedWhateverTheySay`), B's
//   credential naming A's node in `hello` (`everySyncRequestIsAuthenticated`), copied
//   data directories, writes for units a node does not serve;
// - SessionTests: logout, expiry at the store level, CSRF, account lock-out;
// - HosoHTTPTests' LiveServerTests: slow and dripping clients, connection limits,
//   oversized heads and bodies against the bare HTTP server;
// - BadInputTests: malformed bodies and huge numbers.

// MARK: - The estate: one of everything on two sides of the tree

/// What a path or query parameter names.
enum SecurityKind: String, CaseIterable, Sendable {
    case dossier, subRecord, unit, user, handoff, conflict, quarantine, search, job, node
    /// Reference data and names that are the same for everyone (not objects of a unit).
    case catalogue, catalogueEntry, report
}

/// The objects of one side of the test node's tree — side "A" (unit A1 and around it)
/// or side "B" — and the strings that would betray each of them in a response.
struct SecuritySide: Sendable {
    var name: String
    var unit: String
    var dossier: String
    var personName: String
    /// Path segment (`training`, …) → the row of that kind in `dossier`.
    var subRecords: [String: String]
    var subRecordSecret: String
    /// The side's HR account.
    var user: String
    var handoff: String
    var handoffPerson: String
    var handoffName: String
    var conflict: String
    var conflictSecret: String
    var quarantine: String
    var quarantineSecret: String
    /// The HR account's saved search and report job.
    var search: String
    var searchName: String
    var job: String
    /// An export package of `dossier` (a plausible body for `POST /api/imports`).
    var package: JSONValue

    func value(_ kind: SecurityKind, segment: String? = nil) -> String? {
        switch kind {
        case .dossier: dossier
        case .subRecord: segment.flatMap { subRecords[$0] }
        case .unit: unit
        case .user: user
        case .handoff: handoff
        case .conflict: conflict
        case .quarantine: quarantine
        case .search: search
        case .job: job
        case .node, .catalogue, .catalogueEntry, .report: nil
        }
    }

    func markers(_ kind: SecurityKind) -> [String] {
        switch kind {
        case .dossier: [dossier, personName]
        case .subRecord: Array(subRecords.values) + [subRecordSecret]
        case .unit: [unit]
        case .user: [user]
        case .handoff: [handoff, handoffPerson, handoffName]
        case .conflict: [conflict, conflictSecret]
        case .quarantine: [quarantineSecret]
        case .search: [search, searchName]
        case .job: [job]
        case .node, .catalogue, .catalogueEntry, .report: []
        }
    }
}

/// A `TestNode` furnished with a dossier with every kind of history row, a pending
/// transfer, a conflict, a quarantined change, a saved search and a report job on each
/// side, plus an enrolled child node.
final class SecurityEstate: @unchecked Sendable {
    // @unchecked: every field is set in init and only read afterwards.
    let node: TestNode
    private(set) var sides: [String: SecuritySide] = [:]
    private(set) var userIDs: [String: String] = [:]
    private(set) var childNode = ""
    /// The unit each account works in (where a transfer it requests would go).
    private(set) var ownUnit: [String: String] = [:]
    let cli = Principal.commandLine("security-test")

    init() async throws {
        node = try TestNode()
        let store = node.store
        for user in try store.users(cli) { userIDs[user.username] = user.id }
        ownUnit = ["hr.a": node.units["A"]!, "head.a": node.units["A"]!, "hr.b": node.units["B"]!, "staff.a1": node.units["A1"]!,
                   "leader": node.units["P"]!, "admin": node.units["P"]!]
        let unitC = try store.createUnit(cli, UnitInput(code: "C", name: "Đơn vị C", parent_id: node.units["P"]))
        childNode = try store.enrollChild(cli, name: "Nút C", unitIDs: [unitC.id], selfName: "test").nodeID
        let layout: [(String, String, String, String, String, String)] = [
            ("A", "A1", node.dossierA1, "Nguyễn Văn An", "hr.a", "Lý Thị Chuyển"),
            ("B", "B", node.dossierB, "Trần Thị Bình", "hr.b", "Đặng Văn Điều"),
        ]
        for (name, unitCode, dossier, personName, hr, mover) in layout {
            let unit = node.units[unitCode]!
            let secret = "Ghi chú mật bên \(name)"
            var rows: [String: String] = [:]
            for kind in DossierSchema.subRecordKinds {
                let row = try store.createSubRecord(cli, personID: dossier, kind: kind, body: try Self.sample(kind, text: secret))
                rows[kind.pathSegment!] = row["id"]!.stringValue!
            }
            let moverID = try store.createDossier(cli, TestNode.person(name: mover, unit: unit))["id"]!.stringValue!
            let handoff = try store.requestHandoff(cli, HandoffRequest(person_id: moverID, to_unit_id: node.units["P"]!)).id
            let conflictID = RecordID.make(), conflictSecret = "Bản bị thay bên \(name)"
            let quarantineSecret = "Thay đổi bị từ chối bên \(name)"
            let nodeID = store.nodeID
            let quarantineID = try await store.db.write { c -> Int64 in
                let losing = JSONValue.object(["data": .object(TestNode.person(name: conflictSecret, unit: unit)), "deleted": false]).jsonString()
                let winning = JSONValue.object(["data": .object(TestNode.person(name: personName, unit: unit)), "deleted": false]).jsonString()
                let now = "2026-01-05T03:00:00.000Z"
                try c.execute("""
                    INSERT INTO conflicts(id, entity, row_id, person_id, unit_id, winner_origin, winner_vv, winner_data, loser_origin, loser_vv,
                                          loser_data, detected_by, detected_at, origin, created_at, updated_at)
                    VALUES (?, 'person', ?, ?, ?, ?, '{}', ?, ?, '{}', ?, ?, ?, ?, ?, ?)
                    """, [conflictID, dossier, dossier, unit, nodeID, winning, nodeID, losing, nodeID, now, nodeID, now, now])
                try c.execute("""
                    INSERT INTO quarantine(entity, row_id, person_id, unit_id, origin, vv, data, reason, message, rejected_by, at)
                    VALUES ('person', ?, ?, ?, ?, '{}', ?, 'not_owner', 'refused', 'hub', ?)
                    """, [dossier, dossier, unit, nodeID, JSONValue.object(TestNode.person(name: quarantineSecret, unit: unit)).jsonString(), now])
                return try c.scalar("SELECT last_insert_rowid()", as: Int64.self)!
            }
            let token = try await node.login(hr).token
            let searchName = "Danh sách riêng của \(hr)"
            let saved = await node.send(.post, "/api/searches", json: ["name": .string(searchName), "criteria": ["name": "An"]], token: token)
            let job = await node.send(.post, "/api/report-jobs", json: ["report": "staffing"], token: token)
            guard saved.status.code == 201, job.status.code == 202, let searchID = saved.json["id"].stringValue, let jobID = job.json["id"].stringValue else {
                throw ProcessNodeError("fixture: saved search \(saved.status.code) \(saved.bodyText); job \(job.status.code) \(job.bodyText)")
            }
            // Let the job finish, so that its state can only change if someone else touches it.
            _ = await eventually(seconds: 20) {
                let state = await self.node.send(.get, "/api/report-jobs/\(jobID)", token: token).json["status"].stringValue
                return state == "done" || state == "failed"
            }
            sides[name] = SecuritySide(
                name: name, unit: unit, dossier: dossier, personName: personName, subRecords: rows, subRecordSecret: secret,
                user: userIDs[hr]!, handoff: handoff, handoffPerson: moverID, handoffName: mover, conflict: conflictID,
                conflictSecret: conflictSecret, quarantine: String(quarantineID), quarantineSecret: quarantineSecret,
                search: searchID, searchName: searchName, job: jobID, package: try store.exportPackage(cli, personID: dossier))
        }
    }

    /// A valid history row of `kind` with only its required fields, free text set to `text`.
    static func sample(_ kind: RecordKind, text: String) throws -> JSONObject {
        var o: JSONObject = [:]
        for field in kind.fields where field.required {
            switch field.type {
            case .text: o[field.name] = .string(text)
            case .date: o[field.name] = "2015-03-02"
            case .month: o[field.name] = "2015-03"
            case .year: o[field.name] = 2015
            case .integer(let lo, _): o[field.name] = .number(Double(Swift.max(lo, 1)))
            case .decimal(let lo, _): o[field.name] = .number(lo + 1)
            case .boolean: o[field.name] = false
            case .code(let catalogue): o[field.name] = .string(try Fixtures.code(catalogue))
            case .choice(let values): o[field.name] = .string(values[0])
            case .personalID: o[field.name] = "087085000001"
            }
        }
        // A reward needs a form or a title (a rule across fields).
        if kind == DossierSchema.reward, case .code(let catalogue)? = kind.field("form")?.type { o["form"] = .string(try Fixtures.code(catalogue)) }
        return o
    }

    /// Whether `user` may read objects of `kind` on `side` (domain.md's roles and scopes).
    static func reads(_ user: String, side: String, _ kind: SecurityKind) -> Bool {
        // The unit tree is visible to every account except civil servants'.
        if kind == .unit && user != "staff.a1" { return true }
        switch (user, side) {
        case ("admin", _): return true
        case ("hr.b", "B"): return kind != .node
        case ("head.a", "A"), ("leader", _): return [.dossier, .subRecord, .handoff, .conflict].contains(kind)
        case ("staff.a1", "A"): return [.dossier, .subRecord, .unit].contains(kind)
        default: return false
        }
    }

    /// Every string that must never appear in a successful answer to `user`.
    func forbiddenMarkers(for user: String) -> [String] {
        var out: [String] = user == "admin" ? [] : [childNode]
        for side in sides.values {
            for kind in SecurityKind.allCases where !Self.reads(user, side: side.name, kind) { out += side.markers(kind) }
        }
        return out
    }

    /// The replica's state, table by table (a digest each), leaving out only what any
    /// request legitimately touches — sessions, the audit trail, login bookkeeping —
    /// and what `owner` owns (their saved searches); plus every other account's report
    /// jobs (kept in memory).
    func snapshot(excludingOwner owner: String?) throws -> [String: String] {
        var out = try node.store.db.read { c -> [String: String] in
            var out: [String: String] = [:]
            let tables = try c.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name")
                .compactMap { $0.get("name", as: String.self) }
            for table in tables where !["sessions", "audit_log"].contains(table) {
                var columns = try c.rows("SELECT name FROM pragma_table_info(?)", [table]).compactMap { $0.get("name", as: String.self) }
                if table == "users" { columns.removeAll { ["failed_attempts", "locked_until", "last_login_at"].contains($0) } }
                let line = columns.map { "quote(\"\($0)\")" }.joined(separator: " || ',' || ")
                var sql = "SELECT \(line) AS line FROM \"\(table)\""
                var arguments: [DatabaseValueConvertible] = []
                if table == "saved_searches", let owner { sql += " WHERE user_id <> ?"; arguments.append(owner) }
                let lines = try c.rows(sql, arguments).compactMap { $0.get("line", as: String.self) }.sorted()
                out[table] = SHA256.hex(Array(lines.joined(separator: "\n").utf8))
            }
            return out
        }
        for (name, id) in userIDs where id != owner {
            out["jobs of \(name)"] = node.store.reportJobs.jobs(owner: id).map { "\($0.id):\($0.status)" }.sorted().joined(separator: ",")
        }
        return out
    }
}

// MARK: - The OpenAPI document as a list of operations

/// One operation of the OpenAPI document.
struct DocumentedOperation: Sendable, CustomStringConvertible {
    var method: String
    var template: String
    /// Status codes the document lists.
    var documented: Set<Int>
    /// `security: []`: open to anyone.
    var isPublic: Bool
    /// Authenticated with a node credential (`HosoNode`) rather than a user session.
    var isNodeAuthenticated: Bool
    var queryParameters: [String]
    var hasBody: Bool
    var description: String { "\(method) \(template)" }

    var pathParameters: [String] {
        template.split(separator: "/").compactMap { $0.hasPrefix("{") && $0.hasSuffix("}") ? String($0.dropFirst().dropLast()) : nil }
    }

    /// Reads every path × method of the document.
    static func all(_ document: JSONValue) -> [DocumentedOperation] {
        var out: [DocumentedOperation] = []
        for (template, item) in (document["paths"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let shared = item["parameters"].arrayValue ?? []
            for (method, op) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where method != "parameters" {
                let parameters = shared + (op["parameters"].arrayValue ?? [])
                let security = op["security"].arrayValue
                out.append(DocumentedOperation(
                    method: method.uppercased(), template: template,
                    documented: Set((op["responses"].objectValue ?? [:]).keys.compactMap(Int.init)),
                    isPublic: security?.isEmpty == true,
                    isNodeAuthenticated: security?.contains { $0["node"] != .null } == true,
                    queryParameters: parameters.filter { $0["in"] == "query" }.compactMap { $0["name"].stringValue },
                    hasBody: op["requestBody"] != .null))
            }
        }
        return out
    }
}

/// Percent-encodes everything but unreserved ASCII (RFC 3986), for query values and path segments.
func securityEncode(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? text
}

// MARK: - Raw sockets

/// A blocking loopback client speaking raw bytes, for what URLSession would normalise
/// or refuse to send (dot segments, backslashes, NUL, dripped headers). A smaller cousin
/// of HosoHTTPTests' `RawClient`, which this test target cannot see.
final class WireClient: @unchecked Sendable {
    // @unchecked: used by one thread at a time.
    let fd: Int32

    init(port: Int, timeout: Double = 15) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProcessNodeError("socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw ProcessNodeError("connect: errno \(errno)") }
    }

    deinit { _ = Glibc.close(fd) }

    /// Sends bytes; false once the server has closed (no SIGPIPE).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the server closes (or the timeout, or a reset).
    func readToEOF() -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Whether the server has closed this connection (without waiting), and any bytes it sent.
    func closedByServer() -> (closed: Bool, bytes: [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 4_096)
        var got: [UInt8] = []
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { got.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { return (true, got) }
            return (errno != EAGAIN && errno != EWOULDBLOCK, got)
        }
    }

    /// The status code of the first response in `bytes` (0 if none).
    static func status(_ bytes: [UInt8]) -> Int {
        let line = String(decoding: bytes.prefix(40), as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        return parts.count >= 2 && parts[0].hasPrefix("HTTP/1.") ? Int(parts[1]) ?? 0 : 0
    }

    /// One request on a fresh connection; the answer's status and bytes.
    static func exchange(port: Int, _ request: [UInt8]) throws -> (status: Int, bytes: [UInt8]) {
        let client = try WireClient(port: port)
        client.send(request)
        let bytes = client.readToEOF()
        return (status(bytes), bytes)
    }
}

// MARK: - The suite

// Serialized: several tests load the machine (thousands of requests, a process under a
// storm); one at a time they leave the cooperative pool and the cores to the timing-
// sensitive suites running beside them.
@Suite(.serialized) struct SecurityTests {
    // MARK: 1. Scope escalation through every endpoint (IDOR)

    /// Operations open to anyone, each with why. Everything else in the OpenAPI document
    /// must answer 401 without credentials; a new public operation must be added here.
    static let publicOperations: [String: String] = [
        "GET /": "the browser application's page (no data)",
        "GET /ui/{file}": "the application's scripts and styles, served from memory",
        "GET /healthz": "liveness probe: {status: ok}",
        "GET /readyz": "readiness probe: schema version and node id",
        "GET /metrics": "Prometheus counters and states, no personal data",
        "GET /openapi.json": "this API's description",
        "POST /api/session": "logging in",
    ]

    /// Writes a low-scope account may legitimately perform with the sweep's bodies: they
    /// act on the caller's own things or only read. Their answers are still checked for
    /// other people's data, and the replica for changes to anything not the caller's.
    static let selfServiceWrites: [String: String] = [
        "DELETE /api/session": "ends the caller's own session",
        "POST /api/session/password": "changes the caller's own password (the sweep gives a wrong current password)",
        "POST /api/search": "a query sent as POST, answered within the caller's reach",
        "POST /api/search/export": "the same query as CSV",
        "POST /api/searches": "saves the caller's own search criteria (running them is scoped)",
        "POST /api/reports/{id}": "renders a report within the caller's reach (read-only)",
        "POST /api/report-jobs": "queues the caller's own report job (it runs with the caller's reach)",
        "POST /api/sync/now": "asks this node to sync with its parent; answers counts only",
    ]

    /// What a path parameter names, from the segment before it. Nil for a parameter the
    /// sweep does not know: the test then fails until someone says what it names.
    static func kind(of parameter: String, in template: String) -> (SecurityKind, segment: String?)? {
        let segments = template.split(separator: "/").map(String.init)
        guard let index = segments.firstIndex(of: "{\(parameter)}"), index > 0 else { return nil }
        switch (segments[index - 1], parameter) {
        case ("dossiers", "id"): return (.dossier, nil)
        case (let segment, "rowId") where segments.first == "api" && segments.dropFirst().first == "dossiers": return (.subRecord, segment)
        case ("units", "id"): return (.unit, nil)
        case ("users", "id"): return (.user, nil)
        case ("handoffs", "id"): return (.handoff, nil)
        case ("conflicts", "id"): return (.conflict, nil)
        case ("quarantine", "id"): return (.quarantine, nil)
        case ("searches", "id"): return (.search, nil)
        case ("report-jobs", "id"): return (.job, nil)
        case ("nodes", "id"): return (.node, nil)
        case ("catalogues", "id"): return (.catalogue, nil)
        case ("entries", "code"): return (.catalogueEntry, nil)
        case ("reports", "id"): return (.report, nil)
        default: return nil
        }
    }

    /// Query parameters that name objects, filled with the other side's.
    static let queryKinds: [String: SecurityKind] = ["unit_id": .unit, "person_id": .dossier, "user_id": .user, "q": .dossier]

    /// A plausible body aimed at `side`'s objects, for every operation that takes one.
    static func body(_ op: DocumentedOperation, side: SecuritySide, actor: String, estate: SecurityEstate) throws -> JSONObject? {
        let segments = op.template.split(separator: "/").map(String.init)
        if segments.count >= 4, segments[1] == "dossiers", let kind = DossierSchema.subRecordKind(pathSegment: segments[3]) {
            return try SecurityEstate.sample(kind, text: "Ghi đè trái phép")
        }
        let own = estate.ownUnit[actor] ?? side.unit
        switch op.description {
        case "POST /api/dossiers": return TestNode.person(name: "Kẻ Mạo Danh", unit: side.unit)
        case "PATCH /api/dossiers/{id}": return ["other_names": "Sửa trái phép", "phone": "0900000666"]
        case "POST /api/dossiers/{id}/movements": return ["kind": "thoi_viec", "effective_date": "2026-01-02", "decision_no": "99/QĐ"]
        case "POST /api/handoffs": return ["person_id": .string(side.dossier), "to_unit_id": .string(own)]
        case "POST /api/handoffs/{id}/accept", "POST /api/handoffs/{id}/refuse", "POST /api/handoffs/{id}/cancel": return ["reason": "Mạo danh"]
        case "POST /api/imports": return side.package.objectValue
        case "POST /api/search", "POST /api/search/export": return ["unit_id": .string(side.unit), "name": .string(side.personName)]
        case "POST /api/searches": return ["name": "Tìm người bên kia", "criteria": ["unit_id": .string(side.unit)]]
        case "POST /api/reports/{id}": return ["unit_id": .string(side.unit)]
        case "POST /api/report-jobs": return ["report": "custom", "unit_id": .string(side.unit)]
        case "POST /api/units": return ["code": "LA1", "name": "Đơn vị lạ", "parent_id": .string(side.unit)]
        case "PATCH /api/units/{id}": return ["name": "Đổi tên trái phép"]
        case "PUT /api/units/{id}/quotas": return ["year": 2026, "category": "cong_chuc", "quota": 99]
        case "PUT /api/catalogues/{id}/entries/{code}": return ["name": "Mục giả mạo"]
        case "POST /api/users": return ["username": "ke.mao.danh", "full_name": "Kẻ Mạo Danh", "password": "chiemQuyen123", "role": "hr",
                                        "unit_id": .string(side.unit)]
        case "PATCH /api/users/{id}": return ["role": "admin", "active": true]
        case "POST /api/users/{id}/password": return ["new_password": "chiemQuyen123"]
        case "POST /api/conflicts/{id}/resolve": return ["keep": "loser", "note": "mạo danh"]
        case "POST /api/quarantine/{id}/resolve": return ["action": "reapply"]
        case "POST /api/session/password": return ["current_password": "sai-mat-khau-9", "new_password": "chiemQuyen123"]
        case "POST /api/sync/now": return nil
        case "POST /sync/v1/hello", "POST /sync/v1/push", "POST /sync/v1/pull": return ["node_id": .string(estate.childNode)]
        default: return nil
        }
    }

    /// Every operation of the OpenAPI document, called as `hr.b`, `head.a`, `staff.a1` and
    /// `leader` with path and query parameters naming objects outside their reach (and,
    /// for those who may read them, objects they may read but not change) and plausible
    /// bodies: no 5xx, only documented statuses, no success on another's object, no
    /// other side's data in any successful answer, and nothing changed in the replica.
    @Test func everyDocumentedOperationRefusesObjectsOutsideTheCallersReach() async throws {
        let estate = try await SecurityEstate()
        let node = estate.node
        let document = await node.send(.get, "/openapi.json").json
        let operations = DocumentedOperation.all(document)
        #expect(operations.count > 90, "the document lists the API: \(operations.count)")
        let passes: [(user: String, side: String, ownDossier: Bool)] = [
            ("hr.b", "A", false), ("head.a", "B", false), ("staff.a1", "B", false),   // objects of another unit
            ("staff.a1", "A", false), ("head.a", "A", false), ("leader", "A", false),  // objects they may read but not change
            // The caller's own dossier in the path with another dossier's history row:
            // /api/dossiers/{mine}/training/{theirs}.
            ("hr.b", "A", true),
        ]
        var calls = 0
        for (user, sideName, ownDossier) in passes {
            var side = estate.sides[sideName]!
            if ownDossier { side.dossier = estate.sides["B"]!.dossier }
            let markers = estate.forbiddenMarkers(for: user)
            let actorID = estate.userIDs[user]!
            let before = try await offPool { try estate.snapshot(excludingOwner: actorID) }
            var token = try await node.login(user).token
            for op in operations where !op.isPublic && (!ownDossier || op.pathParameters.contains("rowId")) {
                // Fill the path.
                var target = op.template
                var readable = true
                var unknown = false
                for parameter in op.pathParameters {
                    guard let (kind, segment) = Self.kind(of: parameter, in: op.template) else {
                        Issue.record("\(op): the sweep does not know what {\(parameter)} names; add it to SecurityTests.kind(of:in:)")
                        unknown = true
                        continue
                    }
                    let value: String
                    switch kind {
                    case .node: value = estate.childNode
                    case .catalogue: value = "dan_toc"
                    case .catalogueEntry: value = "99"
                    case .report: value = "custom"
                    default: value = side.value(kind, segment: segment) ?? "missing"
                    }
                    let owner = ownDossier && kind == .dossier ? "B" : sideName
                    if ![.catalogue, .catalogueEntry, .report].contains(kind) && !SecurityEstate.reads(user, side: owner, kind) { readable = false }
                    target = target.replacingOccurrences(of: "{\(parameter)}", with: securityEncode(value))
                }
                if unknown { continue }
                let query = op.queryParameters.compactMap { name -> String? in
                    guard let kind = Self.queryKinds[name] else { return nil }
                    let value = kind == .dossier && name == "q" ? side.personName : side.value(kind) ?? ""
                    return "\(name)=\(securityEncode(value))"
                }
                if !query.isEmpty { target += "?" + query.joined(separator: "&") }
                let body = try Self.body(op, side: side, actor: user, estate: estate)
                if op.hasBody && body == nil && !["POST /api/sync/now"].contains(op.description) {
                    Issue.record("\(op): no plausible body in SecurityTests.body(_:side:actor:estate:); add one")
                }
                let response = await node.send(HTTPMethod(rawValue: op.method), target, json: body, token: token)
                calls += 1
                let status = response.status.code
                let what = "\(user) \(op.method) \(target)"
                #expect(status < 500, "\(what): \(status) \(response.bodyText.prefix(300))")
                #expect(op.documented.contains(status), "\(what): \(status) is not documented (\(op.documented.sorted()))")
                if (200..<300).contains(status) {
                    let text = response.bodyText
                    for marker in markers where text.contains(marker) {
                        Issue.record("\(what) answered \(status) with another's data (\(marker)): \(text.prefix(300))")
                    }
                    if op.method != "GET" && Self.selfServiceWrites[op.description] == nil {
                        Issue.record("\(what) succeeded (\(status)) although \(user) may not change it: \(text.prefix(300))")
                    }
                    if op.method == "GET" && !readable {
                        Issue.record("\(what) answered \(status) for an object outside \(user)'s reach: \(text.prefix(300))")
                    }
                }
                // HEAD runs the GET handler: the same refusal.
                if op.method == "GET" && !readable {
                    let head = await node.send(.head, target, token: token)
                    #expect(!(200..<300).contains(head.status.code), "\(user) HEAD \(target): \(head.status.code)")
                }
                if op.template.hasPrefix("/api/session") { token = try await node.login(user).token }
            }
            // Report jobs the sweep queued run with the caller's reach: their results too
            // must hold nothing of the other side.
            for job in node.store.reportJobs.jobs(owner: actorID) where job.id != side.job {
                _ = await eventually(seconds: 20) {
                    !["queued", "running"].contains(node.store.reportJobs.jobs(owner: actorID).first { $0.id == job.id }?.status ?? "")
                }
                let result = await node.send(.get, "/api/report-jobs/\(job.id)/result", token: token)
                for marker in markers where result.bodyText.contains(marker) {
                    Issue.record("\(user)'s report job \(job.report) holds another's data (\(marker))")
                }
            }
            let after = try await offPool { try estate.snapshot(excludingOwner: actorID) }
            for (table, digest) in before where after[table] != digest {
                Issue.record("\(user) against side \(sideName) changed \(table)")
            }
        }
        #expect(calls > 500)
        #expect(await node.send(.get, "/healthz").status.code == 200)
    }

    /// Every operation the OpenAPI document does not declare open answers 401 without
    /// credentials, with a malformed token, and with a well-formed but unknown one; the
    /// open operations are exactly the commented allow-list.
    @Test func everyNonPublicOperationNeedsCredentials() async throws {
        let estate = try await SecurityEstate()
        let node = estate.node
        let operations = DocumentedOperation.all(await node.send(.get, "/openapi.json").json)
        let open = Set(operations.filter(\.isPublic).map(\.description))
        #expect(open == Set(Self.publicOperations.keys), "the document's open operations are the allow-list")
        let side = estate.sides["A"]!
        for op in operations {
            var target = op.template
            for parameter in op.pathParameters {
                let value: String
                switch Self.kind(of: parameter, in: op.template) {
                case (.report, _)?: value = "custom"
                case (.catalogue, _)?: value = "dan_toc"
                case (.catalogueEntry, _)?: value = "99"
                case (.node, _)?: value = estate.childNode
                case let (kind, segment)?: value = side.value(kind, segment: segment) ?? "x"
                case nil: value = "app.js"   // /ui/{file}
                }
                target = target.replacingOccurrences(of: "{\(parameter)}", with: value)
            }
            let body = try Self.body(op, side: side, actor: "admin", estate: estate)
            for token in [nil, "not-a-token", String(repeating: "ab", count: 32)] as [String?] {
                let response = await node.send(HTTPMethod(rawValue: op.method), target, json: body, token: token)
                if op.isPublic {
                    #expect(response.status.code != 401 && response.status.code < 500, "\(op) is open: \(response.status.code)")
                } else {
                    #expect(response.status.code == 401, "\(op) \(token ?? "without a token"): \(response.status.code) \(response.bodyText.prefix(200))")
                }
            }
        }
        // The open operations' answers hold no personal data of anyone. (Node ids are
        // not: /metrics labels each child node's series with its id by design.)
        let everything = estate.forbiddenMarkers(for: "nobody").filter { $0 != estate.childNode }
        for path in ["/", "/healthz", "/readyz", "/metrics", "/openapi.json"] {
            let text = await node.send(.get, path).bodyText
            for marker in everything where text.contains(marker) { Issue.record("\(path) shows \(marker) to anyone") }
        }
    }

    /// Accounts are no back door to a wider scope: nobody below admin can raise their own
    /// role or move their own account out of their subtree, create an account without a
    /// unit or in another unit, or tie a civil servant's account to another unit's dossier
    /// (which would let that account read it); and a civil servant sees no unit but their
    /// own, by id as in the list (finding 1: `GET /api/units/{id}` answered any unit).
    @Test func accountsAreNoBackDoorToAWiderScope() async throws {
        let node = try TestNode()
        let ids = Dictionary(uniqueKeysWithValues: try node.store.users(.commandLine()).map { ($0.username, $0.id) })
        let before = try node.store.users(.commandLine()).map { "\($0.username) \($0.role) \($0.unit_id ?? "-") \($0.person_id ?? "-")" }.sorted()
        for user in ["hr.a", "hr.b", "head.a", "staff.a1", "leader"] {
            let s = try await node.login(user)
            let elsewhere = user == "hr.b" ? node.dossierA1 : node.dossierB
            for patch in [["role": "admin"], ["role": "leader"], ["unit_id": .string(node.units["P"]!)], ["person_id": .string(elsewhere)]] as [JSONObject] {
                let r = await node.send(.patch, "/api/users/\(ids[user]!)", json: patch, token: s.token)
                #expect([403, 404, 409, 422].contains(r.status.code), "\(user) PATCH self \(patch): \(r.status.code) \(r.bodyText)")
            }
        }
        let hrB = try await node.login("hr.b")
        let attempts: [JSONObject] = [
            ["username": "hr.khong.don.vi", "full_name": "Không đơn vị", "password": "matKhau2026", "role": "hr"],
            ["username": "staff.gia", "full_name": "Nguyễn Văn An", "password": "matKhau2026", "role": "staff",
             "unit_id": .string(node.units["B"]!), "person_id": .string(node.dossierA1)],
            ["username": "hr.sang.a", "full_name": "Sang A", "password": "matKhau2026", "role": "hr", "unit_id": .string(node.units["A1"]!)],
        ]
        for body in attempts {
            let r = await node.send(.post, "/api/users", json: body, token: hrB.token)
            #expect([403, 422].contains(r.status.code), "hr.b creates \(body["username"]!): \(r.status.code) \(r.bodyText)")
        }
        // A civil servant's account of B, then re-pointed at A1's dossier: refused.
        let staffB = await node.send(.post, "/api/users", json: ["username": "staff.b", "full_name": "Trần Thị Bình", "password": "matKhau2026",
                                                                 "role": "staff", "unit_id": .string(node.units["B"]!), "person_id": .string(node.dossierB)],
                                     token: hrB.token)
        #expect(staffB.status.code == 201, "\(staffB.bodyText)")
        let repoint = await node.send(.patch, "/api/users/\(staffB.json["id"].stringValue ?? "")", json: ["person_id": .string(node.dossierA1)], token: hrB.token)
        #expect(repoint.status.code == 403, "\(repoint.bodyText)")
        let after = try node.store.users(.commandLine()).filter { $0.username != "staff.b" }
            .map { "\($0.username) \($0.role) \($0.unit_id ?? "-") \($0.person_id ?? "-")" }.sorted()
        #expect(after == before, "no account changed")
        // Regression for finding 1.
        let staff = try await node.login("staff.a1")
        #expect(await node.send(.get, "/api/units/\(node.units["B"]!)", token: staff.token).status.code == 404)
        #expect(await node.send(.get, "/api/units/\(node.units["P"]!)", token: staff.token).status.code == 404)
        #expect(await node.send(.get, "/api/units/\(node.units["A1"]!)", token: staff.token).status.code == 200, "their own unit")
        #expect(await node.send(.get, "/api/units/\(node.units["A1"]!)", token: hrB.token).status.code == 200, "the tree is visible to HR")
    }

    // MARK: 2. Replayed credentials

    /// A user's bearer token (or the same token as a cookie, with its CSRF token) is
    /// refused everywhere once its session ended: after logout (the user's other sessions
    /// live on), after the user changed the password (every other session — a stolen
    /// copy — ends; the one that changed it lives), after an admin reset, and after the
    /// idle or the absolute lifetime (the session rows aged as time would age them).
    @Test func aSessionTokenReplayedAfterItsSessionEndedIsRefused() async throws {
        let node = try TestNode()
        func refused(_ s: (token: String, csrf: String), _ why: String) async {
            let probes: [(HTTPMethod, String, JSONObject?)] = [
                (.get, "/api/session", nil), (.get, "/api/dossiers", nil), (.get, "/api/dossiers/\(node.dossierA1)", nil),
                (.patch, "/api/dossiers/\(node.dossierA1)", ["phone": "0900000111"]), (.post, "/api/session/password",
                 ["current_password": .string(TestNode.password), "new_password": "ChiemQuyen2026"]),
            ]
            for (method, path, body) in probes {
                let bearer = await node.send(method, path, json: body, token: s.token)
                #expect(bearer.status.code == 401, "\(why): bearer \(method) \(path) → \(bearer.status.code)")
                let cookie = await node.send(method, path, json: body, headers: [("Cookie", "hoso_session=\(s.token)"), ("X-CSRF-Token", s.csrf)])
                #expect(cookie.status.code == 401, "\(why): cookie \(method) \(path) → \(cookie.status.code)")
            }
        }
        func works(_ s: (token: String, csrf: String)) async -> Bool { await node.send(.get, "/api/session", token: s.token).status.code == 200 }

        let kept = try await node.login("hr.a"), ended = try await node.login("hr.a")
        #expect(await node.send(.delete, "/api/session", token: ended.token).status.code == 204)
        await refused(ended, "after logout")
        #expect(await works(kept), "logout ends one session only")

        let stolen = try await node.login("hr.a")
        let change = await node.send(.post, "/api/session/password", json: ["current_password": .string(TestNode.password), "new_password": "MatKhauMoi2026"],
                                     token: kept.token)
        #expect(change.status.code == 204, "\(change.bodyText)")
        await refused(stolen, "after the password change")
        #expect(await works(kept), "the session that changed the password goes on")
        #expect(await node.send(.post, "/api/session", json: ["username": "hr.a", "password": .string(TestNode.password)]).status.code == 401)

        let victim = try await node.login("hr.b"), admin = try await node.login("admin")
        let hrB = try #require(try node.store.users(.commandLine()).first { $0.username == "hr.b" })
        #expect(await node.send(.post, "/api/users/\(hrB.id)/password", json: ["new_password": "DatLai2026xx"], token: admin.token).status.code == 204)
        await refused(victim, "after an admin reset")

        let idle = try await node.login("head.a"), old = try await node.login("head.a")
        let idleHash = SHA256.hex(Array(idle.token.utf8)), oldHash = SHA256.hex(Array(old.token.utf8))
        let policy = node.policy
        try await node.store.db.write { c in
            try c.execute("UPDATE sessions SET last_seen_at = last_seen_at - ? WHERE token_hash = ?", [policy.idleTimeout + 5, idleHash])
            try c.execute("UPDATE sessions SET expires_at = ? WHERE token_hash = ?", [Date().timeIntervalSince1970 - 1, oldHash])
        }
        await refused(idle, "after the idle timeout")
        await refused(old, "after the absolute lifetime")
        let left = try await node.store.db.read { c in
            try c.scalar("SELECT count(*) FROM sessions WHERE token_hash IN (?, ?)", [idleHash, oldHash], as: Int.self)
        }
        #expect(left == 0, "an expired session is deleted, not merely skipped")
    }

    /// Node and user credentials are not interchangeable, and a session is good only at
    /// the node that issued it: a node's credential on the user API (as bearer, cookie or
    /// its own scheme) is 401; a user's session token on /sync/v1 (either scheme) is 401;
    /// a session issued by node A, replayed at the hub for the same (replicated) account,
    /// is 401 there.
    @Test func credentialsWorkOnlyWhereAndAsWhatTheyWereIssued() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let cli = Principal.commandLine("test")
        _ = try a.store.createUser(cli, UserInput(username: "hr.node.a", full_name: "HR A", password: TestTopology.password, role: .hr,
                                                  unit_id: t.units["A"]), hashCost: 1)
        try await t.settle()
        func send(_ router: Router, _ method: HTTPMethod, _ path: String, _ headers: [(String, String)], json: JSONValue? = nil) async -> Int {
            var h = HTTPHeaders()
            for (k, v) in headers { h.add(name: k, value: v) }
            if json != nil { h.add(name: "Content-Type", value: "application/json") }
            return await router.respond(to: HTTPRequest(method: method, target: path, headers: h, body: Array((json?.jsonString() ?? "").utf8))).status.code
        }
        let credential = try #require(a.credential)
        for headers in [[("Authorization", "Bearer \(credential)")], [("Authorization", "HosoNode \(credential)")], [("Cookie", "hoso_session=\(credential)")]] {
            for path in ["/api/session", "/api/dossiers", "/api/sync/status", "/api/units", "/api/sync/nodes"] {
                #expect(await send(t.hub.router, .get, path, headers) == 401, "node credential on \(path) as \(headers[0].0)")
            }
        }
        func login(_ router: Router, _ user: String) async throws -> String {
            var h = HTTPHeaders()
            h.add(name: "Content-Type", value: "application/json")
            let body = JSONValue.object(["username": .string(user), "password": .string(TestTopology.password)]).jsonString()
            let response = await router.respond(to: HTTPRequest(method: .post, target: "/api/session", headers: h, body: Array(body.utf8)))
            return try #require(response.json["token"].stringValue, "\(user) logs in: \(response.bodyText)")
        }
        let adminToken = try await login(t.hub.router, "admin")
        let hello = HelloRequest(envelope: try a.store.syncEnvelope(), pullCheckpoint: 0).jsonValue
        for path in ["/sync/v1/hello", "/sync/v1/pull", "/sync/v1/push"] {
            for scheme in ["HosoNode", "Bearer"] {
                #expect(await send(t.hub.router, .post, path, [("Authorization", "\(scheme) \(adminToken)")], json: hello) == 401, "user token on \(path) as \(scheme)")
            }
        }
        // A session of node A, replayed at the hub: refused, though the account and its
        // password are the same there.
        let atA = try await login(a.router, "hr.node.a")
        #expect(await send(a.router, .get, "/api/dossiers", [("Authorization", "Bearer \(atA)")]) == 200)
        #expect(await send(t.hub.router, .get, "/api/dossiers", [("Authorization", "Bearer \(atA)")]) == 401)
        _ = try await login(t.hub.router, "hr.node.a")
    }

    /// A retired node's credential is refused on every sync endpoint — also once its units
    /// are served by a re-enrolled replacement (`hoso hub enroll --replace`), whose new
    /// credential works — and the changes it still holds never reach the hub.
    @Test func aRetiredNodesCredentialIsRefusedAfterItsReplacement() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let cli = Principal.commandLine("test")
        let late = try a.store.createDossier(cli, TestTopology.person("Sau Thu Hồi", unit: t.units["A1"]!))["id"]!.stringValue!
        try t.hub.store.retireChild(cli, nodeID: a.store.nodeID)
        let replacement = try t.addNode("A-moi", units: ["A"])
        try await replacement.syncOnce()
        let envelope = try a.store.syncEnvelope()
        let batch = try a.store.pushBatch(after: 0, limit: 100, maxBytes: 1 << 20)
        #expect(!batch.changes.isEmpty)
        let requests: [(String, JSONValue)] = [
            ("/sync/v1/hello", HelloRequest(envelope: envelope, pullCheckpoint: 0).jsonValue),
            ("/sync/v1/pull", PullRequest(envelope: envelope, since: 0).jsonValue),
            ("/sync/v1/push", PushRequest(envelope: envelope, fromSeq: 0, toSeq: batch.toSeq, changes: batch.changes, batchID: RecordID.make()).jsonValue),
        ]
        for (path, body) in requests {
            let answer = await t.raw(path, body, credential: a.credential)
            #expect([401, 403].contains(answer.status), "\(path) with the retired credential: \(answer.status) \(answer.json)")
        }
        await #expect(throws: SyncError.self) { try await a.syncOnce() }
        #expect(try t.hub.store.dossierDigests()[late] == nil, "nothing of the retired node arrived")
        let fresh = try replacement.store.createDossier(cli, TestTopology.person("Nút Mới", unit: t.units["A1"]!))["id"]!.stringValue!
        try await replacement.syncOnce()
        #expect(try t.hub.store.dossierDigests()[fresh] != nil, "the replacement's new credential works")
        #expect(try t.hub.store.integrityCheck() == ["ok"])
    }

    /// Node B's credential can neither push nor pull in node A's name (ReplicationTests
    /// covers `hello`), and B's own pull carries nothing of A's dossiers or accounts.
    @Test func anotherNodesCredentialCannotPushOrPullForIt() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        let cli = Principal.commandLine("test")
        let id = try t.hub.store.createDossier(cli, TestTopology.person("Mai Thị Hoa", unit: t.units["A1"]!))["id"]!.stringValue!
        let account = try t.hub.store.createUser(cli, UserInput(username: "hr.cua.a", full_name: "HR A", password: TestTopology.password, role: .hr,
                                                                unit_id: t.units["A"]), hashCost: 1)
        _ = try t.hub.store.createUser(cli, UserInput(username: "hr.cua.b", full_name: "HR B", password: TestTopology.password, role: .hr,
                                                      unit_id: t.units["B"]), hashCost: 1)
        try await t.settle()
        let before = try t.hub.store.dossierDigests()
        _ = try a.store.updatePerson(cli, id: id, patch: ["phone": "0900000777"])
        let batch = try a.store.pushBatch(after: 0, limit: 100, maxBytes: 1 << 20)
        let envelopeA = try a.store.syncEnvelope()
        let push = PushRequest(envelope: envelopeA, fromSeq: 0, toSeq: batch.toSeq, changes: batch.changes, batchID: RecordID.make()).jsonValue
        let asA = await t.raw("/sync/v1/push", push, credential: b.credential)
        #expect(asA.status == 403 && asA.json["error"]["code"] == "forbidden", "\(asA.json)")
        let pullAsA = await t.raw("/sync/v1/pull", PullRequest(envelope: envelopeA, since: 0).jsonValue, credential: b.credential)
        #expect(pullAsA.status == 403, "\(pullAsA.json)")
        #expect(try t.hub.store.dossierDigests() == before, "nothing applied")
        // Everything B may have, from the start, page after page.
        var text = "", since: Int64 = 0
        for _ in 0..<50 {
            let own = await t.raw("/sync/v1/pull", PullRequest(envelope: try b.store.syncEnvelope(), since: since).jsonValue, credential: b.credential)
            #expect(own.status == 200)
            text += own.json.jsonString()
            guard own.json["complete"] == false, let next = own.json["next"].numberValue else { break }
            since = Int64(next)
        }
        #expect(text.contains("hr.cua.b"), "B's own accounts do come down")
        #expect(!text.contains(id) && !text.contains("Mai Thị Hoa"), "B's pull holds nothing of A's dossier")
        #expect(!text.contains(account.id) && !text.contains("hr.cua.a"), "nor A's accounts (and their password hashes)")
    }

    /// A node cannot mint, through sync, an account that reaches beyond its units (the
    /// forged-change cases of ReplicationTests do not cover accounts tied to a dossier):
    /// a civil servant's account of unit B tied to a dossier of unit A — which would let
    /// whoever holds it read that dossier at the hub (finding 2) — nor one taking an
    /// existing username. The hub refuses each change, nobody logs in with it, and the
    /// same push with B's own dossier is accepted (the forgery's form is right).
    @Test func forgedAccountsFromANodeCannotReachOtherUnits() async throws {
        let t = try TestTopology()
        _ = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        let cli = Principal.commandLine("test")
        let inA = try t.hub.store.createDossier(cli, TestTopology.person("Mai Thị Hoa", unit: t.units["A1"]!))["id"]!.stringValue!
        let inB = try t.hub.store.createDossier(cli, TestTopology.person("Lê Thị Bé", unit: t.units["B"]!))["id"]!.stringValue!
        try await t.settle()
        let password = "matKhauGia2026"
        let hash = try PasswordHasher.hash(password, cost: 1)
        let envelope = try b.store.syncEnvelope()
        var counter: Int64 = 0
        func push(_ username: String, role: String, person: String?, id: String = RecordID.make()) async -> (status: String?, reason: String?) {
            counter += 1
            var data: JSONObject = ["username": .string(username), "full_name": "Tài khoản giả", "password_hash": .string(hash), "role": .string(role),
                                    "unit_id": .string(t.units["B"]!), "active": true, "must_change_password": false]
            if let person { data["person_id"] = .string(person) }
            let change = ChangeRecord(seq: counter, entity: "users", id: id, origin: b.store.nodeID,
                                      vv: VersionVector([b.store.nodeID: envelope.clock + counter]), author: nil, createdAt: "2026-01-01T00:00:00.000Z",
                                      updatedAt: "2026-01-01T00:00:00.000Z", deleted: false, scope: t.units["B"], data: data)
            let request = PushRequest(envelope: envelope, fromSeq: counter - 1, toSeq: counter, changes: [change], batchID: RecordID.make())
            let answer = await t.raw("/sync/v1/push", request.jsonValue, credential: b.credential)
            #expect(answer.status == 200, "\(answer.json)")
            // Only changes not simply applied are listed.
            if answer.json["applied"] == 1 && answer.json["results"].arrayValue?.isEmpty == true { return ("applied", nil) }
            return (answer.json["results"][0]["status"].stringValue, answer.json["results"][0]["reason"].stringValue)
        }
        func login(_ username: String) async -> HTTPResponse {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            let body = JSONValue.object(["username": .string(username), "password": .string(password)]).jsonString()
            return await t.hub.router.respond(to: HTTPRequest(method: .post, target: "/api/session", headers: headers, body: Array(body.utf8)))
        }
        let intoA = await push("staff.gia.a", role: "staff", person: inA)
        #expect(intoA.status == "rejected" && intoA.reason == "not_owner", "\(intoA)")
        let forged = await login("staff.gia.a")
        #expect(forged.status.code == 401)
        if let token = forged.json["token"].stringValue {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(token)")
            let read = await t.hub.router.respond(to: HTTPRequest(method: .get, target: "/api/dossiers/\(inA)", headers: headers))
            Issue.record("the forged account logged in at the hub and read unit A's dossier: \(read.status.code) \(read.bodyText.prefix(100))")
        }
        for taken in ["admin", "ADMIN"] {
            let clash = await push(taken, role: "hr", person: nil)
            #expect(clash.status == "rejected", "\(taken): \(clash)")
            #expect(await login(taken).status.code == 401, "the hub's \(taken) keeps its own password")
        }
        let admin = try #require(try t.hub.store.users(cli).first { $0.username == "admin" })
        #expect(admin.role == .admin && admin.unit_id == nil)
        // Control: the same forgery with B's own dossier is within B's rights.
        let accountID = RecordID.make()
        let own = await push("staff.b.that", role: "staff", person: inB, id: accountID)
        #expect(own.status == "applied", "\(own)")
        // …but not re-pointing that account at unit A's dossier.
        let repointed = await push("staff.b.that", role: "staff", person: inA, id: accountID)
        #expect(repointed.status == "rejected" && repointed.reason == "not_owner", "\(repointed)")
        let session = await login("staff.b.that")
        #expect(session.status.code == 200)
        if let token = session.json["token"].stringValue {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(token)")
            let read = await t.hub.router.respond(to: HTTPRequest(method: .get, target: "/api/dossiers/\(inA)", headers: headers))
            #expect(read.status.code == 404)
        }
        #expect(try t.hub.store.integrityCheck() == ["ok"])
    }

    /// A node cannot plant a "conflict" whose losing version is its own forgery, for an
    /// administrator to "restore" at the hub (finding 3): not about another unit's dossier
    /// or history row (with the unit left out, or B's named instead), not raising an
    /// account of its own unit to admin, not about the hub's administrator or a
    /// catalogue. Each is refused; a conflict about the node's own dossier goes through.
    @Test func forgedConflictRecordsAboutOtherUnitsAreRefused() async throws {
        let t = try TestTopology()
        _ = try t.addNode("A", units: ["A"])
        let b = try t.addNode("B", units: ["B"])
        let cli = Principal.commandLine("test")
        let inA = try t.hub.store.createDossier(cli, TestTopology.person("Mai Thị Hoa", unit: t.units["A1"]!))["id"]!.stringValue!
        let inB = try t.hub.store.createDossier(cli, TestTopology.person("Lê Thị Bé", unit: t.units["B"]!))["id"]!.stringValue!
        let training = try t.hub.store.createSubRecord(cli, personID: inA, kind: DossierSchema.training,
                                                       body: ["institution": "Trường thật", "from_month": "2001-09"])["id"]!.stringValue!
        let hrB = try t.hub.store.createUser(cli, UserInput(username: "hr.cua.b", full_name: "HR B", password: TestTopology.password, role: .hr,
                                                            unit_id: t.units["B"]), hashCost: 1)
        let admin = try #require(try t.hub.store.users(cli).first { $0.username == "admin" })
        try await t.settle()
        let before = try t.hub.store.dossierDigests()
        let accountsBefore = try t.hub.store.users(cli)
        let envelope = try b.store.syncEnvelope()
        var counter: Int64 = 0
        func push(entity: String, row: String, person: String?, unit: String?, loser: JSONObject) async -> (status: String?, reason: String?) {
            counter += 1
            let version = JSONValue.object(["data": .object(loser), "deleted": false]).jsonString()
            var data: JSONObject = ["entity": .string(entity), "row_id": .string(row), "winner_origin": .string(t.hub.store.nodeID), "winner_vv": "{}",
                                    "winner_data": .string(version), "loser_origin": .string(b.store.nodeID), "loser_vv": "{}", "loser_data": .string(version),
                                    "detected_by": .string(b.store.nodeID), "detected_at": "2026-01-01T00:00:00.000Z", "status": "open"]
            if let person { data["person_id"] = .string(person) }
            if let unit { data["unit_id"] = .string(unit) }
            let change = ChangeRecord(seq: counter, entity: "conflicts", id: RecordID.make(), origin: b.store.nodeID,
                                      vv: VersionVector([b.store.nodeID: envelope.clock + counter]), author: nil, createdAt: "2026-01-01T00:00:00.000Z",
                                      updatedAt: "2026-01-01T00:00:00.000Z", deleted: false, scope: unit, data: data)
            let request = PushRequest(envelope: envelope, fromSeq: counter - 1, toSeq: counter, changes: [change], batchID: RecordID.make())
            let answer = await t.raw("/sync/v1/push", request.jsonValue, credential: b.credential)
            #expect(answer.status == 200, "\(answer.json)")
            if answer.json["applied"] == 1 && answer.json["results"].arrayValue?.isEmpty == true { return ("applied", nil) }
            return (answer.json["results"][0]["status"].stringValue, answer.json["results"][0]["reason"].stringValue)
        }
        let forgedPerson = TestTopology.person("Bị Sửa Trái Phép", unit: t.units["A1"]!)
        let forgedRow: JSONObject = ["person_id": .string(inA), "institution": "Trường giả", "from_month": "2001-09"]
        let cases: [(String, String, String?, String?, JSONObject)] = [
            ("person", inA, inA, t.units["A1"], forgedPerson),   // named honestly: already refused
            ("person", inA, inA, nil, forgedPerson),             // the unit left out
            ("person", inA, nil, nil, forgedPerson),             // the dossier left out too
            ("person", inA, nil, t.units["B"], forgedPerson),    // a unit of B's named instead
            ("training", training, nil, nil, forgedRow),         // a history row of A's dossier
            ("training", training, inA, t.units["B"], forgedRow),
            // B's own HR account "restored" as an administrator, and the hub's administrator
            // "restored" with a password B knows.
            ("users", hrB.id, nil, t.units["B"], ["username": "hr.cua.b", "full_name": "HR B", "password_hash": "x", "role": "admin",
                                                  "unit_id": .string(t.units["B"]!), "active": true, "must_change_password": false]),
            ("users", admin.id, nil, nil, ["username": "admin", "full_name": "Quản trị", "password_hash": .string(try PasswordHasher.hash("biet-roi-2026", cost: 1)),
                                           "role": "admin", "active": true, "must_change_password": false]),
            ("catalogue_entries", RecordID.make(), nil, nil, ["catalogue_id": "dan_toc", "code": "77", "name": "Giả", "attributes": "{}", "sort_order": 1]),
        ]
        for (index, (entity, row, person, unit, loser)) in cases.enumerated() {
            let result = await push(entity: entity, row: row, person: person, unit: unit, loser: loser)
            #expect(result.status == "rejected" && result.reason == "not_owner", "case \(index): \(result)")
        }
        // Had any gone through, an administrator's "keep the losing version" would write it.
        for conflict in try t.hub.store.conflicts(cli, status: "open") {
            _ = try? t.hub.store.resolveConflict(cli, id: conflict.id, keep: "loser", note: nil)
        }
        #expect(try t.hub.store.dossierDigests() == before, "A's dossier is as it was")
        #expect(try t.hub.store.users(cli) == accountsBefore, "and every account")
        // Control: a conflict about B's own dossier is B's to report.
        let own = await push(entity: "person", row: inB, person: inB, unit: t.units["B"], loser: TestTopology.person("Lê Thị Bé", unit: t.units["B"]!))
        #expect(own.status == "applied", "\(own)")
    }

    // MARK: 3. SQL and FTS5 injection

    static let injections: [String] = [
        "' OR 1=1 --", "' OR '1'='1", "1' OR '1'='1' /*", "\"; DROP TABLE person; --", "'; DROP TABLE users; --",
        "%' UNION SELECT id, username, password_hash FROM users --", "') UNION SELECT sql, 1, 1 FROM sqlite_master --",
        "' AND (SELECT count(*) FROM users) > 0 --", "'||(SELECT password_hash FROM users LIMIT 1)||'", "admin'--",
        "1; ATTACH DATABASE '/tmp/hoso-pwn.sqlite' AS pwn; --", "NEAR(", "NEAR(an binh, 5)", "\"", "\"\"", "*", "an*", "AND OR",
        "an AND OR binh", "names:an", "full_name:An", "{names}: an", "^an", "-an", "(an", "an)", "\\", "%", "_", "%_%", "0x27",
        "\u{2019} OR 1=1", "an\" OR \"1", "🙂' OR 1=1 --",
    ]

    /// Classic SQL injection and FTS5 query syntax in every free-text, sort, filter and id
    /// parameter of the list, search, report, audit and monitoring endpoints, in JSON string
    /// fields and at login: never a 5xx, never a row beyond the caller's reach, never a
    /// login; the schema, the row counts and the full-text index intact afterwards; and
    /// what was stored reads back verbatim.
    @Test func injectionPayloadsAreJustText() async throws {
        let node = try TestNode()
        let hrB = try await node.login("hr.b"), admin = try await node.login("admin")
        let markers = [node.dossierA1, "Nguyễn Văn An", "$y$"]
        func schema() throws -> [String] {
            try node.store.db.read { c in
                try c.rows("SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS s FROM sqlite_master ORDER BY name").compactMap { $0.get("s", as: String.self) }
            }
        }
        func count(_ table: String) throws -> Int {
            try node.store.db.read { c in try c.scalar("SELECT count(*) FROM \(table)", as: Int.self) ?? -1 }
        }
        let schemaBefore = try schema()
        let counts = try ["person", "users", "units", "catalogue_entries"].map(count)
        var created = 0
        for p in Self.injections {
            let e = securityEncode(p)
            var low: [(HTTPMethod, String, JSONObject?)] = [
                (.get, "/api/dossiers?q=\(e)", nil), (.get, "/api/dossiers?status=\(e)", nil), (.get, "/api/dossiers?unit_id=\(e)", nil),
                (.get, "/api/dossiers?include_subunits=\(e)&page=\(e)&per_page=\(e)", nil), (.get, "/api/dossiers?q=\(e)&unit_id=\(e)&status=\(e)", nil),
                (.post, "/api/search/export", ["name": .string(p)]),
                (.post, "/api/reports/custom", ["custom": ["criteria": ["name": .string(p)], "group_by": [.string(p)], "columns": [.string(p)], "title": .string(p)]]),
                (.post, "/api/reports/custom", ["custom": ["criteria": ["name": .string(p)]]]),
                (.get, "/api/reports/bm01?unit_id=\(e)&as_of=\(e)", nil), (.get, "/api/reports/alerts?kinds=\(e)", nil),
                (.get, "/api/reports/custom?format=\(e)", nil), (.get, "/api/reports/\(e)", nil),
                (.get, "/api/staffing?unit_id=\(e)&year=\(e)", nil), (.get, "/api/compliance?unit_id=\(e)&as_of=\(e)", nil),
                (.get, "/api/alerts?unit_id=\(e)&kinds=\(e)&horizon_days=\(e)", nil),
                (.get, "/api/handoffs?direction=\(e)&active=\(e)", nil), (.get, "/api/conflicts?status=\(e)", nil), (.get, "/api/quarantine?status=\(e)", nil),
                (.get, "/api/dossiers/\(e)", nil), (.get, "/api/dossiers/\(e)/training", nil), (.get, "/api/users/\(e)", nil), (.get, "/api/units/\(e)", nil),
                (.get, "/api/catalogues/\(e)", nil), (.get, "/api/handoffs/\(e)", nil), (.get, "/api/report-jobs/\(e)", nil), (.delete, "/api/searches/\(e)", nil),
                (.post, "/api/searches", ["name": .string(p), "criteria": ["name": .string(p)]]),
            ]
            for key in ["name", "personal_id", "unit_id", "sort", "order", "ethnicity", "as_of"] {
                low.append((.post, "/api/search", [key: .string(p)]))
            }
            low.append((.post, "/api/search", ["ethnicity": [.string(p)], "dates": ["birth_date": ["from": .string(p)]]]))
            low.append((.post, "/api/search", ["dates": [p: ["from": "2000-01-01"]]]))
            low.append((.post, "/api/search", [p: 1]))
            for (method, target, body) in low {
                let r = await node.send(method, target, json: body, token: hrB.token)
                #expect(r.status.code < 500, "hr.b \(method) \(target): \(r.status.code) \(r.bodyText.prefix(200))")
                if (200..<300).contains(r.status.code) {
                    for marker in markers where r.bodyText.contains(marker) { Issue.record("hr.b \(method) \(target) returned \(marker)") }
                    if let total = r.json["total"].numberValue { #expect(total <= 1, "hr.b \(target): \(total) rows") }
                }
            }
            let login = await node.send(.post, "/api/session", json: ["username": .string(p), "password": .string(p)])
            #expect([401, 422].contains(login.status.code), "login as \(p): \(login.status.code)")
            let adminLogin = await node.send(.post, "/api/session", json: ["username": .string("admin" + p), "password": .string(p)])
            #expect([401, 422].contains(adminLogin.status.code), "login as admin\(p): \(adminLogin.status.code)")

            let high: [(HTTPMethod, String, JSONObject?)] = [
                (.get, "/api/audit?action=\(e)&entity=\(e)&person_id=\(e)&user_id=\(e)&from=\(e)&to=\(e)", nil), (.get, "/api/audit?before=\(e)&limit=\(e)", nil),
                (.get, "/api/monitor?q=\(e)", nil), (.get, "/api/monitor?sort=\(e)&health=\(e)", nil), (.get, "/api/dossiers?q=\(e)", nil),
                (.patch, "/api/dossiers/\(node.dossierB)", ["other_names": .string(p)]),
                (.post, "/api/units", ["code": .string(p), "name": .string(p), "parent_id": .string(node.units["P"]!)]),
                (.put, "/api/catalogues/dan_toc/entries/\(e)", ["name": .string(p)]),
                (.post, "/api/users", ["username": .string(p), "full_name": .string(p), "password": "matKhau2026", "role": "leader"]),
            ]
            for (method, target, body) in high {
                let r = await node.send(method, target, json: body, token: admin.token)
                #expect(r.status.code < 500, "admin \(method) \(target): \(r.status.code) \(r.bodyText.prefix(200))")
                if method == .patch && r.status.code == 200 { #expect(r.json["other_names"].stringValue == p, "stored verbatim") }
            }
            let made = await node.send(.post, "/api/dossiers", json: TestNode.person(name: p, unit: node.units["A1"]!), token: admin.token)
            #expect(made.status.code == 201 || made.status.code == 422, "\(p): \(made.status.code)")
            if made.status.code == 201, let id = made.json["id"].stringValue {
                created += 1
                #expect(await node.send(.get, "/api/dossiers/\(id)", token: admin.token).json["full_name"].stringValue == p)
            }
        }
        #expect(try schema() == schemaBefore, "no table dropped, added or altered")
        let after = try ["person", "users", "units", "catalogue_entries"].map(count)
        #expect(after[0] == counts[0] + created)
        #expect(after[1] >= counts[1] && after[2] >= counts[2] && after[3] >= counts[3])
        #expect(try node.store.integrityCheck() == ["ok"])
        try await node.store.db.write { c in try c.execute("INSERT INTO person_fts(person_fts) VALUES ('integrity-check')") }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hoso-pwn.sqlite"))
        let list = await node.send(.get, "/api/dossiers?q=Trần", token: hrB.token)
        #expect(list.json["total"] == 1, "search still works")
    }

    // MARK: Oversized and deeply nested bodies (in process)

    /// Bodies built to exhaust the parser — nesting a hundred thousand levels deep,
    /// thirty thousand keys, a 7 MB string — get a 4xx from every kind of
    /// endpoint (free-form JSON, typed bodies, search criteria, sync messages) and change
    /// nothing.
    @Test func hostileBodiesAreRefusedCleanly() async throws {
        let estate = try await SecurityEstate()
        let node = estate.node
        let admin = try await node.login("admin")
        let before = try await offPool { try estate.snapshot(excludingOwner: nil) }
        let unit = node.units["A1"]!
        let (deep, deepObject, wide, long) = try await offPool { () -> ([UInt8], [UInt8], [UInt8], [UInt8]) in
            let deep = Array(String(repeating: "[", count: 100_000).utf8)
            let deepObject = Array(("{\"a\":" + String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_001)).utf8)
            let wide = "{" + (0..<30_000).map { "\"k\($0)\":\($0)," }.joined() + "\"full_name\":\"x\"}"
            let long = JSONValue.object(TestNode.person(name: String(repeating: "A", count: 7_000_000), unit: unit)).jsonString()
            return (deep, deepObject, Array(wide.utf8), Array(long.utf8))
        }
        let targets: [(HTTPMethod, String)] = [
            (.post, "/api/dossiers"), (.patch, "/api/dossiers/\(node.dossierA1)"), (.post, "/api/users"), (.post, "/api/search"),
            (.post, "/api/reports/custom"), (.post, "/api/report-jobs"), (.post, "/api/imports?unit_id=\(unit)"),
        ]
        for (index, (method, target)) in targets.enumerated() {
            // The 7 MB body for the free-form and the typed bodies only: it costs seconds.
            for body in [deep, deepObject, wide] + (index < 3 ? [long] : []) {
                let r = await node.send(method, target, token: admin.token, headers: [("Content-Type", "application/json")], body: body)
                #expect((400..<500).contains(r.status.code), "\(method) \(target) with \(body.count) bytes: \(r.status.code) \(r.bodyText.prefix(200))")
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Authorization", value: "HosoNode x.y")
        for body in [deep, deepObject] {
            let r = await node.router.respond(to: HTTPRequest(method: .post, target: "/sync/v1/push", headers: headers, body: body))
            #expect((400..<500).contains(r.status.code))
        }
        #expect(try await offPool { try estate.snapshot(excludingOwner: nil) } == before)
        #expect(await node.send(.get, "/api/dossiers", token: admin.token).status.code == 200)
    }

    // MARK: 4. Path traversal

    static let traversals: [String] = [
        "/../../../../etc/passwd", "/ui/../../../../etc/passwd", "/ui/../secret.txt", "/ui/..%2fsecret.txt", "/ui/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/ui/%2e%2e/secret.txt", "/ui/%2e%2e%2fsecret.txt", "/ui/.%2e/secret.txt", "/ui/%2E%2E%2Fsecret.txt", "/ui/%252e%252e%252fsecret.txt",
        "/ui/..%252fsecret.txt", "/ui/..%255csecret.txt", "/ui/..\\secret.txt", "/ui/..\\..\\..\\etc\\passwd", "/ui/..%5csecret.txt",
        "/ui/%c0%ae%c0%ae%c0%afsecret.txt", "/ui/%c0%ae%c0%ae/secret.txt", "/ui/index.html%00.js", "/ui/%00", "/ui/secret.txt%00.js",
        "/ui/secret.txt", "/ui/sub/inner.js", "/ui/sub%2finner.js", "/ui//etc/passwd", "/ui/%2fetc%2fpasswd", "/ui/....//....//secret.txt",
        "/ui/./index.html", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/ui/app.js%2f..%2f..%2fsecret.txt", "/ui/~/.ssh/id_rsa",
        "/ui/file:%2f%2f%2fetc%2fpasswd", "/ui/" + String(repeating: "../", count: 3_000) + "etc/passwd",
        "/ui/" + String(repeating: "a", count: 20_000), "/" + String(repeating: "%2e%2e%2f", count: 1_000) + "etc/passwd",
        "/api/dossiers/..%2f..%2f..%2fetc%2fpasswd", "/api/dossiers/../../etc/passwd", "/api/dossiers/%2e%2e/export",
        "/api/catalogues/..%2f..%2fsecret.txt", "/api/reports/..%2f..%2fetc%2fpasswd", "/api/reports/..%2f..%2fsecret.txt?format=html",
        "/api/dossiers/%00/export", "/api/report-jobs/..%2f..%2fetc%2fpasswd/result", "/api/units/..%2F..%2Fsecret.txt",
    ]

    /// Bytes that must never leave the server: a file planted beside the web root, the
    /// system's password file, the database, the sources.
    static let leaks = ["BI-MAT-NGOAI-GOC-WEB", "NOI-DUNG-THU-MUC-CON", "root:x:0:0", "root:*:0:0", "SQLite format 3", "swift-tools-version", "import Foundation"]

    /// A node whose web root is a temporary directory with a secret planted beside it and
    /// in a subdirectory of it.
    static func plantedWebRoot(_ node: TestNode) throws -> (router: Router, directory: String) {
        let root = node.directory + "/planted"
        try FileManager.default.createDirectory(atPath: root + "/web/sub", withIntermediateDirectories: true)
        try "BI-MAT-NGOAI-GOC-WEB".write(toFile: root + "/secret.txt", atomically: true, encoding: .utf8)
        try "NOI-DUNG-THU-MUC-CON".write(toFile: root + "/web/sub/inner.js", atomically: true, encoding: .utf8)
        try "<!doctype html><title>hoso thử</title>".write(toFile: root + "/web/index.html", atomically: true, encoding: .utf8)
        try "console.log('hoso thử')".write(toFile: root + "/web/app.js", atomically: true, encoding: .utf8)
        let api = NodeAPI(store: node.store, policy: node.policy, name: "traversal", log: Log(component: "test", level: .error),
                          web: WebAssets.load(from: root + "/web"))
        return (api.makeRouter(), root)
    }

    /// Traversal attempts on the static files and on every path-taking endpoint, sent to
    /// the router as they are (dot segments, encoded and double-encoded slashes and dots,
    /// backslashes, overlong UTF-8, NUL, very long paths), anonymously and as admin: never
    /// a file outside the web root, never a 5xx; the real files are still served.
    @Test func traversalThroughTheRouterFindsNothing() async throws {
        let node = try TestNode()
        let (router, _) = try Self.plantedWebRoot(node)
        let admin = try await node.login("admin")
        func get(_ target: String, token: String?) async -> HTTPResponse {
            var headers = HTTPHeaders()
            if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
            return await router.respond(to: HTTPRequest(method: .get, target: target, headers: headers))
        }
        for target in Self.traversals {
            for token in [nil, admin.token] {
                let r = await get(target, token: token)
                // 422: a report name that is not one ("../../etc/passwd") is a validation error.
                #expect([400, 401, 404, 405, 414, 422].contains(r.status.code), "\(target.prefix(80)): \(r.status.code) \(r.bodyText.prefix(120))")
                for leak in Self.leaks where r.bodyText.contains(leak) { Issue.record("\(target.prefix(80)) leaked \(leak)") }
            }
        }
        #expect(await get("/ui/app.js", token: nil).bodyText == "console.log('hoso thử')", "the planted web root is the one served")
        #expect(await get("/", token: nil).bodyText.contains("hoso thử"))
    }

    /// The same attempts, plus what a normal client would clean up before sending (raw
    /// dot segments, backslashes, a literal NUL, absolute-form targets), as raw bytes over
    /// a real socket to the node's router behind `HTTPServer`: a 4xx each, no leaked bytes,
    /// and the server goes on serving.
    @Test func traversalOverARealSocketFindsNothing() async throws {
        let node = try TestNode()
        let (router, _) = try Self.plantedWebRoot(node)
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: router)
        let port = try server.start()
        defer { server.stop() }
        var requests = Self.traversals.map { Array("GET \($0) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8) }
        for raw in ["GET ..\\..\\secret.txt HTTP/1.1", "GET ../../secret.txt HTTP/1.1", "GET http://t/ui/../../secret.txt HTTP/1.1",
                    "GET http://t/../../../etc/passwd HTTP/1.1", "GET /ui/%2e%2e/secret.txt?f=../../secret.txt HTTP/1.1",
                    "GET /ui/../secret.txt HTTP/1.0", "HEAD /ui/../../secret.txt HTTP/1.1", "OPTIONS /ui/../../secret.txt HTTP/1.1",
                    "GET /ui/.. HTTP/1.1", "GET /ui/%2e%2e HTTP/1.1", "GET * HTTP/1.1"] {
            requests.append(Array("\(raw)\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
        }
        // A literal NUL and a literal backslash-escaped NUL in the target.
        requests.append(Array("GET /ui/secret.txt".utf8) + [0] + Array(".js HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
        requests.append(Array("GET /ui/".utf8) + [0xC0, 0xAE, 0xC0, 0xAE] + Array("/secret.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
        let all = requests
        let answers = try await offPool { try all.map { try WireClient.exchange(port: port, $0) } }
        for (request, answer) in zip(requests, answers) {
            let line = String(decoding: request.prefix(80), as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
            #expect((400..<500).contains(answer.status), "\(line): \(answer.status)")
            let text = String(decoding: answer.bytes, as: UTF8.self)
            for leak in Self.leaks where text.contains(leak) { Issue.record("\(line) leaked \(leak)") }
        }
        let control = try await offPool { try WireClient.exchange(port: port, Array("GET /ui/app.js HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8)) }
        #expect(control.status == 200 && String(decoding: control.bytes, as: UTF8.self).contains("console.log('hoso thử')"))
    }

    // MARK: 5. A live process under attack

    /// A `hoso serve` hub set up with the command line, under a storm at once: sixty
    /// slowloris sockets dribbling a header line every quarter second, three hundred
    /// simultaneous connections, and oversized requests (a 64 MiB Content-Length, a
    /// chunked body past the 8 MiB limit, a 64 KiB header, a 64 KiB request line, 500
    /// header lines). Every dribbler is cut off by the header timeout, every flood
    /// connection answered, every oversized request refused with its 4xx — while a
    /// legitimate client keeps getting 200s (each within a generous 15 s). The process is
    /// alive afterwards and its database passes `PRAGMA integrity_check`.
    @Test(.timeLimit(.minutes(2))) func aHubProcessKeepsServingThroughAStorm() async throws {
        let password = "matkhau-2026"
        let root = NSTemporaryDirectory() + "hoso-storm-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let hub = ProcessNode(name: "hub", directory: root + "/hub", port: ProcessNode.freePort())
        let directory = hub.directory
        try await offPool {
            _ = try HosoBinary.check(["init", "--data", directory, "--name", "Sở Nội vụ", "--unit-code", "P", "--unit-name", "UBND tỉnh"])
            _ = try HosoBinary.check(["admin-create", "--data", directory, "--username", "admin"], input: password + "\n")
        }
        try await hub.start()
        defer { hub.kill9() }
        let admin = try await hub.login("admin", password: password)
        let unit = try #require(try await hub.request("GET", "/api/units", token: admin).json.arrayValue?.first?["id"].stringValue)
        let created = try await hub.request("POST", "/api/dossiers", json: .object(TestTopology.person("Phạm Văn Bão", unit: unit)), token: admin)
        #expect(created.status == 201)

        let port = hub.port
        let over = Storm.Flag()
        let storm = Task {
            defer { over.set() }
            async let slow = offPool { try Storm.slowloris(port: port, count: 60, seconds: 16) }
            async let flood = offPool { try Storm.flood(port: port, count: 300) }
            async let big = offPool { try Storm.oversized(port: port) }
            return try await (slow, flood, big)
        }
        // The legitimate client, for as long as the storm lasts (and at least 10 s).
        var answers: [(status: Int, seconds: Double)] = []
        let end = Date().addingTimeInterval(10)
        while Date() < end || !over.isSet {
            let start = Date()
            let status = (try? await hub.request("GET", "/api/dossiers", token: admin))?.status ?? 0
            answers.append((status, Date().timeIntervalSince(start)))
            try await Task.sleep(nanoseconds: 150_000_000)
        }
        let (dribblers, floodStatuses, oversized) = try await storm.value

        #expect(answers.count >= 3 && answers.allSatisfy { $0.status == 200 }, "the legitimate client: \(answers.map(\.status))")
        #expect(answers.allSatisfy { $0.seconds < 15 }, "each answer within 15 s: \(answers.map(\.seconds).max() ?? 0)")
        #expect(dribblers.opened == 60 && dribblers.cut == dribblers.opened, "every slowloris socket was cut off: \(dribblers)")
        #expect(dribblers.statuses.allSatisfy { $0 == 408 }, "\(dribblers.statuses)")
        #expect(floodStatuses.allSatisfy { $0 == 200 || $0 == 503 }, "the flood: \(Dictionary(grouping: floodStatuses, by: { $0 }).mapValues(\.count))")
        #expect(floodStatuses.filter { $0 == 200 }.count >= 250, "\(Dictionary(grouping: floodStatuses, by: { $0 }).mapValues(\.count))")
        #expect(oversized == ["announced": 413, "chunked": 413, "header": 431, "line": 414, "headers": 431], "\(oversized)")

        #expect(hub.pid != nil, "the process is alive")
        #expect(try await hub.request("GET", "/healthz").status == 200)
        #expect(try await hub.request("GET", "/api/dossiers", token: admin).json["total"] == 1)
        hub.stop()
        let store = try NodeStore(path: hub.directory + "/hoso.sqlite")
        #expect(try store.integrityCheck() == ["ok"])
    }
}

/// The hostile clients of the live-process test, each on its own thread (blocking sockets).
enum Storm {
    /// Set once, read from another task.
    final class Flag: @unchecked Sendable {
        // @unchecked: `lock` guards `value`.
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// Opens `count` connections that send a request line and then one header line per
    /// socket every 250 ms, never finishing the head; returns how many the server cut off
    /// within `seconds` and what it said to them.
    static func slowloris(port: Int, count: Int, seconds: Double) throws -> (opened: Int, cut: Int, statuses: [Int]) {
        let clients = (0..<count).compactMap { _ in try? WireClient(port: port) }
        for client in clients { client.send("GET /healthz HTTP/1.1\r\nHost: storm\r\n") }
        var cut = Set<Int>()
        var statuses: [Int] = []
        let end = Date().addingTimeInterval(seconds)
        while Date() < end && cut.count < clients.count {
            usleep(250_000)
            for (index, client) in clients.enumerated() where !cut.contains(index) {
                let (closed, bytes) = client.closedByServer()
                if !bytes.isEmpty { statuses.append(WireClient.status(bytes)) }
                if closed || !client.send("X-Drip-\(index): a\r\n") { cut.insert(index) }
            }
        }
        return (clients.count, cut.count, statuses)
    }

    /// Opens `count` connections at once, then sends a request on each and reads every answer.
    static func flood(port: Int, count: Int) throws -> [Int] {
        var clients: [WireClient?] = []
        for _ in 0..<count { clients.append(try? WireClient(port: port, timeout: 20)) }
        for client in clients { client?.send("GET /healthz HTTP/1.1\r\nHost: storm\r\nConnection: close\r\n\r\n") }
        return clients.map { $0.map { WireClient.status($0.readToEOF()) } ?? 0 }
    }

    /// Requests beyond every size limit; the status each got.
    static func oversized(port: Int) throws -> [String: Int] {
        var out: [String: Int] = [:]
        let announced = try WireClient(port: port)
        announced.send("POST /api/dossiers HTTP/1.1\r\nHost: storm\r\nContent-Type: application/json\r\nContent-Length: 67108864\r\n\r\n")
        announced.send([UInt8](repeating: 0x20, count: 65_536))
        out["announced"] = WireClient.status(announced.readToEOF())

        // A chunked body that never ends before the limit: stop sending once answered.
        let chunked = try WireClient(port: port)
        chunked.send("POST /api/dossiers HTTP/1.1\r\nHost: storm\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("40000\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x40000) + Array("\r\n".utf8)
        var early: [UInt8] = []
        for _ in 0..<48 {
            let (closed, bytes) = chunked.closedByServer()
            early += bytes
            if closed || !early.isEmpty || !chunked.send(chunk) { break }
        }
        out["chunked"] = WireClient.status(early + chunked.readToEOF())

        out["header"] = try WireClient.exchange(port: port, Array(("GET /healthz HTTP/1.1\r\nHost: storm\r\nX-Big: " + String(repeating: "a", count: 65_536)
            + "\r\nConnection: close\r\n\r\n").utf8)).status
        out["line"] = try WireClient.exchange(port: port, Array(("GET /" + String(repeating: "a", count: 65_536) + " HTTP/1.1\r\nHost: storm\r\n\r\n").utf8)).status
        out["headers"] = try WireClient.exchange(port: port, Array(("GET /healthz HTTP/1.1\r\nHost: storm\r\n"
            + (0..<500).map { "X-H\($0): v\r\n" }.joined() + "Connection: close\r\n\r\n").utf8)).status
        return out
    }
}
