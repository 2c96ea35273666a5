import Foundation
import HosoDomain
import HosoHTTP

/// The node's HTTP API: routes, middleware, handlers. Built as a `Router`, so tests call
/// it in-process and the socket server serves the very same object.
public struct NodeAPI: Sendable {
    public let store: NodeStore
    public let policy: SessionPolicy
    public let name: String
    /// Whether the session cookie carries `Secure` (when served behind TLS).
    public let secureCookies: Bool
    /// The sync client towards this node's parent (nil for the hub).
    public let sync: SyncClient?
    /// The sync settings (nil for the hub).
    public let syncSettings: SyncSettings?
    let log: Log
    /// The browser UI's files.
    public let web: WebAssets

    public init(store: NodeStore, policy: SessionPolicy = SessionPolicy(), name: String = "hoso", secureCookies: Bool = false,
                sync: SyncClient? = nil, log: Log = Log(component: "http"), web: WebAssets = .shared) {
        self.web = web
        self.store = store
        self.policy = policy
        self.name = name
        self.secureCookies = secureCookies
        self.sync = sync
        self.syncSettings = sync?.settings
        self.log = log
    }

    /// The router with every route and middleware.
    public func makeRouter() -> Router {
        let router = Router()
        router.use(RequestLogMiddleware(log: log, metrics: store.metrics))
        router.use(SecurityHeadersMiddleware())
        router.use(AuthMiddleware(store: store, policy: policy))

        let openAPI = Array(OpenAPIDocument.make().jsonString().utf8)
        router.get("/healthz") { _, _ in APIResponse.json(.object(["status": "ok"])) }
        // Ready: the replica answers a read and its schema is this version's.
        let store = self.store, syncSettings = self.syncSettings
        router.get("/readyz") { _, _ in
            do {
                let applied = try await offloaded { try store.db.read { try NodeSchema.migrator.appliedMigrations($0) } }
                guard applied.last == NodeStore.schemaVersion else {
                    return APIResponse.json(.object(["status": "not_ready", "reason": "schema", "schema": .string(applied.last ?? "")]),
                                            status: HTTPStatus(code: 503, reason: "Service Unavailable"))
                }
                return APIResponse.json(.object(["status": "ready", "schema": .string(NodeStore.schemaVersion), "node_id": .string(store.nodeID)]))
            } catch {
                return APIResponse.json(.object(["status": "not_ready", "reason": "database"]), status: HTTPStatus(code: 503, reason: "Service Unavailable"))
            }
        }
        // Prometheus text format: counts and states only, no personal data.
        router.get("/metrics") { _, _ in
            do {
                let text = try await offloaded { try store.metricsText(settings: syncSettings) }
                return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.utf8))
            } catch {
                return APIResponse.error(error)
            }
        }
        router.get("/openapi.json") { _, _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: openAPI)
        }
        addWebRoutes(router, assets: web)
        let schema = Self.schemaDocument()
        router.get("/api/schema", authed { _, _, _ in APIResponse.json(schema) })

        addSessionRoutes(router)
        addDossierRoutes(router)
        addAdminRoutes(router)
        addSyncRoutes(router)
        addReplicationRoutes(router)
        addHandoffRoutes(router)
        addReportRoutes(router)
        addImportRoutes(router)
        return router
    }

    /// Wraps a handler: resolves the principal, runs the work off the cooperative pool,
    /// and turns every thrown error into its JSON error response.
    func authed(_ body: @escaping @Sendable (HTTPRequest, RouteParameters, Principal) throws -> HTTPResponse) -> RouteHandler {
        { request, parameters in
            do {
                let principal = try request.principal()
                return try await offloaded { try body(request, parameters, principal) }
            } catch {
                return APIResponse.error(error)
            }
        }
    }

    static func landingText(name: String) -> String {
        """
        hoso — Hồ sơ điện tử cán bộ, công chức, viên chức
        Nút: \(name)
        API: /api (đăng nhập: POST /api/session), mô tả: /openapi.json
        """
    }

    // MARK: Session

    func addSessionRoutes(_ router: Router) {
        let store = self.store, policy = self.policy, secure = self.secureCookies
        router.post("/api/session") { request, _ in
            do {
                struct Login: Decodable { var username: String; var password: String }
                let login = try request.decode(Login.self, allowed: ["username", "password"])
                let client = request.clientDescription
                let grant = try await offloaded {
                    try store.login(username: String(login.username.prefix(64)), password: String(login.password.prefix(256)), client: client, policy: policy)
                }
                var response = try APIResponse.json(SessionBody(token: grant.token, csrf_token: grant.csrfToken, user: grant.user,
                                                                expires_at: Timestamp.now(grant.expiresAt)))
                response.headers.add(name: "Set-Cookie", value: Self.cookie(grant.token, maxAge: Int(policy.absoluteTimeout), secure: secure))
                return response
            } catch {
                return APIResponse.error(error)
            }
        }
        let getSession = authed { request, _, principal in
            guard let session = request.attributes[SessionKey.self], let userID = principal.userID else { throw NodeError.forbidden() }
            let user = try store.user(principal, id: userID)
            return try APIResponse.json(SessionBody(token: nil, csrf_token: session.csrfToken, user: user, expires_at: nil))
        }
        router.get("/api/session", { request, parameters in
            // `?optional=1` (the browser UI's first look): no session is an answer, not an error.
            if request.query["optional"] == "1", request.attributes[PrincipalKey.self] == nil {
                return APIResponse.json(.object(["user": .null, "csrf_token": .null]))
            }
            return try await getSession(request, parameters)
        })
        router.delete("/api/session", authed { request, _, principal in
            if let session = request.attributes[SessionKey.self] { try store.logout(tokenHash: session.tokenHash, actor: principal) }
            var response = HTTPResponse(status: .noContent)
            response.headers.add(name: "Set-Cookie", value: Self.cookie("", maxAge: 0, secure: secure))
            return response
        })
        router.post("/api/session/password", authed { request, _, principal in
            struct Change: Decodable { var current_password: String; var new_password: String }
            let change = try request.decode(Change.self, allowed: ["current_password", "new_password"])
            try store.changePassword(principal, currentPassword: change.current_password, newPassword: change.new_password,
                                     keepSession: request.attributes[SessionKey.self]?.tokenHash, hashCost: policy.hashCost)
            return HTTPResponse(status: .noContent)
        })
    }

    struct SessionBody: Encodable {
        var token: String?
        var csrf_token: String
        var user: UserDTO
        var expires_at: String?
    }

    static func cookie(_ value: String, maxAge: Int, secure: Bool) -> String {
        "\(AuthMiddleware.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    // MARK: Dossiers

    func addDossierRoutes(_ router: Router) {
        let store = self.store
        router.get("/api/dossiers", authed { request, _, principal in
            var filter = DossierFilter()
            filter.query = request.query["q"]
            filter.unitID = request.query["unit_id"].flatMap { $0.isEmpty ? nil : $0 }
            filter.includeSubunits = request.query["include_subunits"] != "false"
            filter.status = request.query["status"]
            filter.page = try request.intQuery("page", default: 1)
            filter.perPage = try request.intQuery("per_page", default: 50)
            let page = try store.listDossiers(principal, filter)
            return APIResponse.json(.object(["items": .array(page.items.map(JSONValue.object)), "total": .number(Double(page.total)),
                                             "page": .number(Double(page.page)), "per_page": .number(Double(page.perPage))]))
        })
        router.post("/api/dossiers", authed { request, _, principal in
            APIResponse.json(.object(try store.createDossier(principal, try request.jsonObject())), status: .created)
        })
        router.get("/api/dossiers/:id", authed { _, p, principal in
            APIResponse.json(.object(try store.dossier(principal, id: try p.value("id"))))
        })
        router.patch("/api/dossiers/:id", authed { request, p, principal in
            APIResponse.json(.object(try store.updatePerson(principal, id: try p.value("id"), patch: try request.jsonObject())))
        })
        router.delete("/api/dossiers/:id", authed { _, p, principal in
            try store.deleteDossier(principal, id: try p.value("id"))
            return HTTPResponse(status: .noContent)
        })
        for kind in DossierSchema.subRecordKinds {
            let segment = kind.pathSegment!
            router.get("/api/dossiers/:id/\(segment)", authed { _, p, principal in
                APIResponse.json(.array(try store.subRecords(principal, personID: try p.value("id"), kind: kind).map(JSONValue.object)))
            })
            router.post("/api/dossiers/:id/\(segment)", authed { request, p, principal in
                APIResponse.json(.object(try store.createSubRecord(principal, personID: try p.value("id"), kind: kind, body: try request.jsonObject())),
                                 status: .created)
            })
            router.get("/api/dossiers/:id/\(segment)/:rowId", authed { _, p, principal in
                APIResponse.json(.object(try store.subRecord(principal, personID: try p.value("id"), kind: kind, id: try p.value("rowId"))))
            })
            router.patch("/api/dossiers/:id/\(segment)/:rowId", authed { request, p, principal in
                APIResponse.json(.object(try store.updateSubRecord(principal, personID: try p.value("id"), kind: kind, id: try p.value("rowId"),
                                                                   patch: try request.jsonObject())))
            })
            router.delete("/api/dossiers/:id/\(segment)/:rowId", authed { _, p, principal in
                try store.deleteSubRecord(principal, personID: try p.value("id"), kind: kind, id: try p.value("rowId"))
                return HTTPResponse(status: .noContent)
            })
        }
    }
}
