import Foundation
import HosoDomain
import HosoHTTP
import HosoNode

/// A node in a temporary directory with a small units tree and one account per role,
/// driven in-process through its router. Each test gets its own.
public final class TestNode: @unchecked Sendable {
    // @unchecked: fields are set once in init; the store and router are Sendable.
    public let directory: String
    public let store: NodeStore
    public let router: Router
    public let policy: SessionPolicy
    /// Unit ids by code: "P" (province), "A" with child "A1", "B".
    public let units: [String: String]
    /// A dossier in unit A1 and one in unit B.
    public private(set) var dossierA1: String = ""
    public private(set) var dossierB: String = ""
    public static let password = "matkhau123"

    public init(policy: SessionPolicy? = nil) throws {
        directory = NSTemporaryDirectory() + "hoso-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try NodeStore(path: directory + "/hoso.sqlite")
        var p = policy ?? SessionPolicy()
        p.hashCost = 1   // the lowest yescrypt cost: tests create many accounts
        self.policy = p
        router = NodeAPI(store: store, policy: p, name: "test", log: Log(component: "test", level: .error)).makeRouter()
        let cli = Principal.commandLine("test")
        var ids: [String: String] = [:]
        ids["P"] = try store.createUnit(cli, UnitInput(code: "P", name: "UBND tỉnh")).id
        ids["A"] = try store.createUnit(cli, UnitInput(code: "A", name: "Sở A", parent_id: ids["P"])).id
        ids["A1"] = try store.createUnit(cli, UnitInput(code: "A1", name: "Phòng A1", parent_id: ids["A"])).id
        ids["B"] = try store.createUnit(cli, UnitInput(code: "B", name: "UBND xã B", parent_id: ids["P"])).id
        units = ids
        dossierA1 = try store.createDossier(cli, Self.person(name: "Nguyễn Văn An", unit: ids["A1"]!))["id"]!.stringValue!
        dossierB = try store.createDossier(cli, Self.person(name: "Trần Thị Bình", unit: ids["B"]!, sex: "2"))["id"]!.stringValue!
        for (name, role, unit) in [("admin", Role.admin, nil), ("leader", .leader, nil), ("hr.a", .hr, "A"), ("head.a", .head, "A"),
                                   ("hr.b", .hr, "B")] as [(String, Role, String?)] {
            _ = try store.createUser(cli, UserInput(username: name, full_name: name, password: Self.password, role: role,
                                                   unit_id: unit.flatMap { ids[$0] }), hashCost: 1)
        }
        _ = try store.createUser(cli, UserInput(username: "staff.a1", full_name: "Nguyễn Văn An", password: Self.password, role: .staff,
                                               unit_id: ids["A1"], person_id: dossierA1), hashCost: 1)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A minimal valid person body.
    public static func person(name: String, unit: String, sex: String = "1", birth: String = "1985-04-12") -> JSONObject {
        ["unit_id": .string(unit), "full_name": .string(name), "birth_date": .string(birth), "sex": .string(sex)]
    }

    /// Logs in through the API and returns the bearer token and CSRF token.
    public func login(_ username: String, password: String = TestNode.password) async throws -> (token: String, csrf: String) {
        let response = await send(.post, "/api/session", json: ["username": .string(username), "password": .string(password)])
        guard response.status.code == 200, let body = try? JSONValue.parse(response.bodyText),
              let token = body["token"].stringValue, let csrf = body["csrf_token"].stringValue else {
            throw TestNodeError.loginFailed(username, response.status.code, response.bodyText)
        }
        return (token, csrf)
    }

    /// Sends one request through the router.
    public func send(_ method: HTTPMethod, _ target: String, json: JSONObject? = nil, token: String? = nil,
                     headers extra: [(String, String)] = [], body raw: [UInt8]? = nil) async -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        var body: [UInt8] = []
        if let json {
            body = Array(JSONValue.object(json).jsonString().utf8)
            headers.add(name: "Content-Type", value: "application/json")
        }
        if let raw { body = raw }
        for (k, v) in extra { headers.add(name: k, value: v) }
        let request = HTTPRequest(method: method, target: target, headers: headers, body: body)
        return await router.respond(to: request)
    }

    /// Sends a request as `username` (logging in first).
    public func send(as username: String, _ method: HTTPMethod, _ target: String, json: JSONObject? = nil) async throws -> HTTPResponse {
        let session = try await login(username)
        return await send(method, target, json: json, token: session.token)
    }
}

/// Failures of the test harness itself.
public enum TestNodeError: Error {
    case loginFailed(String, Int, String)
}

extension HTTPResponse {
    /// The body parsed as JSON (`.null` if it is not JSON).
    public var json: JSONValue { (try? JSONValue.parse(bodyText)) ?? .null }
}

/// Runs blocking work (building a data set, waiting for a child process) on its own
/// thread, off Swift's cooperative pool: the pool has one thread per core, and the
/// live-server tests running in parallel need it to answer their clients.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
