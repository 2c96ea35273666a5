import Foundation
import HosoDomain
import HosoHTTP
import HosoReplication
import HosoSQLite

/// The parent's sync endpoints (Protocol.md §7): `hello`, `push`, `pull` under
/// `/sync/v1/`, authenticated by node credential (`Authorization: HosoNode <id>.<secret>`),
/// never by a user session.
extension NodeAPI {
    /// The authorization scheme of node credentials.
    static let nodeAuthScheme = "HosoNode"

    func addSyncRoutes(_ router: Router) {
        let store = self.store, name = self.name, log = self.log
        router.post("/sync/v1/hello", syncHandler(store, log) { child, body in
            let request = try HelloRequest(json: body)
            try Self.requireSameNode(request.envelope, child)
            return Array(try store.hello(child: child, request, name: name).jsonValue.jsonString().utf8)
        })
        router.post("/sync/v1/push", syncHandler(store, log) { child, body in
            let request = try PushRequest(json: body)
            try Self.requireSameNode(request.envelope, child)
            let response = try store.acceptPush(child: child, request)
            if request.changes.contains(where: { $0.entity == "handoff_events" }) {
                // A step arrived: take ours (commit, abort) before the next pull asks.
                do { try store.advanceHandoffs() } catch { log.warning("handoff_step_failed", ["error": String(describing: type(of: error))]) }
            }
            return Array(response.jsonValue.jsonString().utf8)
        })
        router.post("/sync/v1/pull", syncHandler(store, log) { child, body in
            let request = try PullRequest(json: body)
            try Self.requireSameNode(request.envelope, child)
            return try store.servePull(child: child, request).jsonBytes
        })
    }

    /// A node speaks only for itself: the body's `node_id` must be the credential's.
    static func requireSameNode(_ envelope: SyncEnvelope, _ child: String) throws {
        guard envelope.nodeID == child else {
            throw SyncError(.forbidden, "The request names node \(envelope.nodeID) but the credential is node \(child)'s.")
        }
    }

    /// Wraps a sync endpoint: authenticates the node, parses the JSON body, runs the
    /// work off the cooperative pool, and maps every error to its sync error body.
    /// `child` resolves the credential against the node id the body claims.
    private func syncHandler(_ store: NodeStore, _ log: Log,
                             _ body: @escaping @Sendable (_ child: String, JSONValue) throws -> [UInt8]) -> RouteHandler {
        { request, _ in
            let credential = request.headers["Authorization"].flatMap { header -> String? in
                let parts = header.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0] == Self.nodeAuthScheme ? String(parts[1]).trimmingCharacters(in: .whitespaces) : nil
            }
            var authenticated: String?
            do {
                guard let credential else { throw SyncError(.unauthenticated, "Missing node credential (Authorization: HosoNode <id>.<secret>).") }
                let child = try await offloaded { try store.authenticateChild(credential: credential, claimedID: nil) }
                authenticated = child
                guard request.mediaType == "application/json" else { throw SyncError(.malformed, "Sync bodies are application/json.") }
                let json: JSONValue
                do { json = try JSONValue.parse(utf8: request.body) } catch let error as JSONValue.ParseError {
                    throw SyncError(.malformed, "Body is not valid JSON: \(error)")
                }
                if let version = json["protocol"].numberValue, let whole = Int64(exactly: version) {
                    try NodeStore.checkProtocol(whole, software: json["software"].stringValue, node: child)
                }
                let bytes = try await offloaded { try body(child, json) }
                return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: bytes)
            } catch {
                let syncError = Self.syncError(error)
                if syncError.code == .internal {
                    // The type and SQL of the failure, never row values (SQLiteError carries none).
                    log.error("sync_internal_error", ["path": request.path, "error": String(describing: error).prefix(300).description])
                }
                if let child = authenticated, syncError.code == .identityConflict {
                    // Proof from a push or pull holds the node at once; a hello's refusal
                    // counts towards a hold in `hello` (see `identityStrikes`).
                    if request.path != "/sync/v1/hello" { store.holdChild(child, syncError) }
                    log.warning("sync_refused", ["node": child, "code": syncError.code.rawValue])
                }
                // A held or retired node is refused after its secret was verified: its
                // errors go into its history too (the monitoring alerts on repeats).
                let verified = authenticated ?? ([.identityConflict, .forbidden].contains(syncError.code)
                                                 ? credential?.split(separator: ".").first.map(String.init) : nil)
                if let child = verified { await offloadedQuietly { store.recordChildError(child, syncError) } }
                return Self.response(syncError)
            }
        }
    }

    /// The sync error a thrown error stands for.
    static func syncError(_ error: Error) -> SyncError {
        switch error {
        case let e as SyncError: return e
        case let e as MalformedMessage: return SyncError(.malformed, "Malformed message: \(e)")
        case let e as SQLiteError where e.isDiskFull: return SyncError(.diskFull, "The parent's disk is full; nothing was stored.")
        case let e as SQLiteError where e.isBusy: return SyncError(.unavailable, "The parent's database is busy; retry.")
        case let e as NodeError: return SyncError(e.kind == .notFound ? .forbidden : .internal, e.message)
        default: return SyncError(.internal, "Internal error on the parent; nothing was stored.")
        }
    }

    /// The JSON error response of a sync error.
    static func response(_ error: SyncError) -> HTTPResponse {
        var body: JSONObject = ["code": .string(error.code.rawValue), "message": .string(error.message), "retryable": .bool(error.isRetryable)]
        if let checkpoint = error.checkpoint { body["checkpoint"] = .number(Double(checkpoint)) }
        if let served = error.servedProtocols {
            body["protocol_min"] = .number(Double(served.lowerBound))
            body["protocol_max"] = .number(Double(served.upperBound))
        }
        if let software = error.parentSoftware { body["software"] = .string(software) }
        var response = HTTPResponse(status: HTTPStatus(code: error.httpStatus, reason: Self.reason(error.httpStatus)),
                                    headers: ["Content-Type": "application/json; charset=utf-8"],
                                    body: Array(JSONValue.object(["error": .object(body)]).jsonString().utf8))
        if error.httpStatus == 401 { response.headers.set(name: "WWW-Authenticate", value: "\(nodeAuthScheme) realm=\"hoso-sync\"") }
        return response
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 503: "Service Unavailable"
        case 507: "Insufficient Storage"
        default: "Internal Server Error"
        }
    }
}
